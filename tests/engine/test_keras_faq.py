"""The Keras 2 FAQ's and docs' training recipes, with `keras` renamed to `kernelkit`.

Each test is the recipe as the Keras 2 documentation writes it (shrunk to tiny data), plus
an assertion that it did what the FAQ says.
"""
import json

import h5py
import numpy as np
import pytest

import kernelkit
from kernelkit.callbacks import EarlyStopping, LambdaCallback, ModelCheckpoint
from kernelkit.layers import Dense, Input
from kernelkit.models import Model, Sequential
from kernelkit.utils import Sequence
from kernelkit.utils.io_utils import HDF5Matrix


def _model():
    model = Sequential()
    model.add(Dense(8, activation="relu", input_dim=4))
    model.add(Dense(2, activation="softmax"))
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = kernelkit.utils.to_categorical((x[:, 0] > 0).astype(int), 2)
    return x, y


def test_faq_interrupt_training_when_the_validation_loss_is_not_decreasing():
    x, y = _data()
    model = _model()
    early_stopping = EarlyStopping(monitor="val_loss", patience=2)
    stop_at_epoch_3 = LambdaCallback(on_epoch_end=lambda epoch, logs: logs.update(
        val_loss=[1.0, 0.9, 0.95, 0.97, 0.99, 1.0][epoch]))  # a plateau after epoch 2
    hist = model.fit(x, y, validation_split=0.2, epochs=6, verbose=0,
                     callbacks=[stop_at_epoch_3, early_stopping])
    assert hist.epoch == [0, 1, 2, 3]


def test_faq_validation_split_is_the_last_fraction_of_the_data():
    x, y = _data(50)
    model = _model()
    hist = model.fit(x, y, validation_split=0.1, epochs=1, verbose=0)
    # "if you set validation_split=0.1, the validation data used will be the last 10%"
    val_loss, val_acc = model.evaluate(x[-5:], y[-5:], verbose=0)
    assert hist.history["val_loss"][0] == pytest.approx(val_loss, rel=1e-5)
    assert hist.params["samples"] == 45


def test_faq_record_the_loss_and_accuracy_at_each_epoch():
    x, y = _data()
    model = _model()
    hist = model.fit(x, y, validation_split=0.2, epochs=3, verbose=0)
    assert sorted(hist.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert all(len(v) == 3 for v in hist.history.values())
    print(hist.history)


def test_faq_hdf5_inputs(tmp_path):
    x, y = _data(64)
    with h5py.File(tmp_path / "file.hdf5", "w") as f:
        f["data"] = x
        f["labels"] = y
    model = _model()
    X_data = HDF5Matrix(str(tmp_path / "file.hdf5"), "data")
    Y_data = HDF5Matrix(str(tmp_path / "file.hdf5"), "labels")
    model.fit(X_data, Y_data, batch_size=16, shuffle="batch", epochs=1, verbose=0)
    np.testing.assert_allclose(model.predict(X_data), model.predict(x), rtol=1e-6)
    X_data.close()
    Y_data.close()
    with h5py.File(tmp_path / "file.hdf5", "r") as f:
        x_data = f["data"]
        np.testing.assert_allclose(model.predict(x_data), model.predict(x), rtol=1e-6)


def test_faq_datasets_that_do_not_fit_in_memory_train_on_batch():
    x, y = _data(48)
    model = _model()

    def batches():  # the FAQ's "ImageNet()" iterator of batches
        for start in range(0, len(x), 16):
            yield x[start:start + 16], y[start:start + 16]
    before = model.get_weights()
    for e in range(2):
        for X_batch, Y_batch in batches():
            loss, acc = model.train_on_batch(X_batch, Y_batch)
    assert not np.allclose(before[0], model.get_weights()[0])
    for X_batch, Y_batch in batches():
        loss, acc = model.test_on_batch(X_batch, Y_batch)
        assert 0.0 <= acc <= 1.0 and np.isfinite(loss)


def test_docs_fit_generator_from_a_file_with_dicts(tmp_path):
    """The fit_generator docstring's generate_arrays_from_file, with named inputs/outputs."""
    path = tmp_path / "my_file.txt"
    rng = np.random.default_rng(1)
    path.write_text("".join(f"{a:.3f} {b:.3f} {int(a + b > 0)}\n"
                            for a, b in rng.normal(size=(30, 2))))

    def process_line(line):
        a, b, label = line.split()
        return np.array([[float(a)]]), np.array([[float(b)]]), np.array([[float(label)]])

    def generate_arrays_from_file(path):
        while True:
            with open(path) as f:
                for line in f:
                    x1, x2, y = process_line(line)
                    yield ({"input_1": x1, "input_2": x2}, {"output": y})

    input_1, input_2 = Input((1,), name="input_1"), Input((1,), name="input_2")
    merged = kernelkit.layers.concatenate([input_1, input_2])
    model = Model([input_1, input_2], Dense(1, activation="sigmoid", name="output")(merged))
    model.compile("sgd", "binary_crossentropy")
    hist = model.fit_generator(generate_arrays_from_file(str(path)), steps_per_epoch=30,
                               epochs=2, verbose=0)
    assert len(hist.history["loss"]) == 2


def test_docs_sequence_example():
    class CIFAR10Sequence(Sequence):
        def __init__(self, x_set, y_set, batch_size):
            self.x, self.y = x_set, y_set
            self.batch_size = batch_size

        def __len__(self):
            return int(np.ceil(len(self.x) / float(self.batch_size)))

        def __getitem__(self, idx):
            batch_x = self.x[idx * self.batch_size:(idx + 1) * self.batch_size]
            batch_y = self.y[idx * self.batch_size:(idx + 1) * self.batch_size]
            return np.array(batch_x), np.array(batch_y)

    x, y = _data(40)
    model = _model()
    hist = model.fit_generator(CIFAR10Sequence(x, y, 16), epochs=2, workers=2, verbose=0,
                               validation_data=CIFAR10Sequence(x, y, 16))
    assert len(hist.history["val_loss"]) == 2
    assert model.evaluate_generator(CIFAR10Sequence(x, y, 16))[0] == pytest.approx(
        model.evaluate(x, y, verbose=0)[0], rel=1e-5)


def test_docs_loss_history_callback():
    class LossHistory(kernelkit.callbacks.Callback):
        def on_train_begin(self, logs={}):
            self.losses = []

        def on_batch_end(self, batch, logs={}):
            self.losses.append(logs.get("loss"))

    x, y = _data(40)
    model = _model()
    history = LossHistory()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[history])
    assert len(history.losses) == 10


def test_docs_checkpointer(tmp_path):
    x, y = _data(40)
    model = _model()
    checkpointer = ModelCheckpoint(filepath=str(tmp_path / "weights.hdf5"), verbose=1,
                                   save_best_only=True, save_weights_only=True)
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, validation_data=(x, y),
              callbacks=[checkpointer])
    assert (tmp_path / "weights.hdf5").exists()


def test_docs_lambda_callback_json_log(tmp_path):
    x, y = _data(40)
    model = _model()
    json_log = open(tmp_path / "loss_log.json", mode="wt", buffering=1)
    json_logging_callback = LambdaCallback(
        on_epoch_end=lambda epoch, logs: json_log.write(
            json.dumps({"epoch": epoch, "loss": logs["loss"]}) + "\n"),
        on_train_end=lambda logs: json_log.close())
    model.fit(x, y, epochs=2, verbose=0, callbacks=[json_logging_callback])
    lines = (tmp_path / "loss_log.json").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [0, 1]


def test_faq_freeze_layers():
    frozen_layer = Dense(4, trainable=False, input_dim=4)
    model = Sequential([frozen_layer, Dense(2, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    x, y = _data(16)
    before = frozen_layer.get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(before, frozen_layer.get_weights()):
        np.testing.assert_array_equal(a, b)
