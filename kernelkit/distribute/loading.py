"""`load_model` for a data-parallel run: the saved model with its optimizer distributed."""
from ..models import load_model as _load
from .optimizer import DEFAULT_BUCKET_BYTES, DistributedOptimizer

__all__ = ["load_model"]


def load_model(filepath, custom_objects=None, compression="none", bucket_bytes=None):
    """Load a saved model and wrap its optimizer in a `DistributedOptimizer`.

    The file may come from a single-process or a distributed run (both save the plain
    optimizer class and state).

    Arguments:
        filepath: the model file (as for `kernelkit.models.load_model`).
        custom_objects: as for `kernelkit.models.load_model`.
        compression: passed to `DistributedOptimizer`.
        bucket_bytes: passed to `DistributedOptimizer` (default: its default).

    Returns:
        The compiled model, its optimizer distributed and its state restored.
    """
    model = _load(filepath, custom_objects=custom_objects)
    if model.optimizer is not None:
        model._trainer.optimizer = DistributedOptimizer(
            model.optimizer, compression, bucket_bytes or DEFAULT_BUCKET_BYTES)
    return model
