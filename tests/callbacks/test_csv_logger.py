import csv

from kernelkit.callbacks import CSVLogger
from tests.engine.helpers import linear_model, regression_data


def _rows(path, sep=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=sep))


def test_one_row_per_epoch_with_sorted_keys(tmp_path):
    x, y = regression_data(8)
    path = tmp_path / "log.csv"
    h = linear_model(metrics=["mae"]).fit(x, y, epochs=2, validation_split=0.25, verbose=0,
                                          callbacks=[CSVLogger(str(path))])
    rows = _rows(path)
    assert rows[0] == ["epoch", "loss", "mean_absolute_error", "val_loss",
                       "val_mean_absolute_error"]
    assert [r[0] for r in rows[1:]] == ["0", "1"]
    assert float(rows[2][1]) == h.history["loss"][1]


def test_append_and_separator(tmp_path):
    x, y = regression_data(8)
    path = tmp_path / "log.tsv"
    model = linear_model()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[CSVLogger(str(path), separator="\t")])
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[CSVLogger(str(path), separator="\t", append=True)])
    rows = _rows(path, "\t")
    assert rows[0] == ["epoch", "loss"] and len(rows) == 4  # one header
    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(str(path), separator="\t")])
    assert len(_rows(path, "\t")) == 2  # without append: overwritten


def test_validation_every_other_epoch_is_na_in_between(tmp_path):
    x, y = regression_data(8)
    path = tmp_path / "log.csv"
    linear_model().fit(x, y, epochs=2, validation_split=0.25, validation_freq=2, verbose=0,
                       callbacks=[CSVLogger(str(path))])
    rows = _rows(path)
    assert rows[0] == ["epoch", "loss", "val_loss"]
    assert rows[1][2] == "NA" and rows[2][2] != "NA"
