"""The trainer and data adapters behind Model.fit/evaluate/predict."""
