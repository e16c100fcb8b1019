"""Keras 2.2.4's examples/mnist_sklearn_wrapper.py, run as written (with `keras` renamed).

The CNN and the GridSearchCV over its dense layer sizes and epochs are the example's; the data
are the 8x8 digits embedded in kernelkit (offline, small enough for CI) in place of MNIST, and
the grid is cut from 4x2 candidates to 2x2 on 3 folds to keep the test fast. With 1438 images
instead of 60000, an epoch has 45 steps instead of 1875: the epochs searched are 10 and 20
instead of 3 and 6.
"""
import numpy as np
import pytest

import kernelkit
from kernelkit import backend as K
from kernelkit.datasets import digits
from kernelkit.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from kernelkit.models import Sequential
from kernelkit.wrappers.scikit_learn import KerasClassifier


def test_mnist_sklearn_wrapper():
    from sklearn.model_selection import GridSearchCV

    np.random.seed(1337)
    num_classes = 10
    img_rows, img_cols = 8, 8

    (x_train, y_train), (x_test, y_test) = digits.load_data()
    if K.image_data_format() == "channels_first":
        x_train = x_train.reshape(x_train.shape[0], 1, img_rows, img_cols)
        x_test = x_test.reshape(x_test.shape[0], 1, img_rows, img_cols)
        input_shape = (1, img_rows, img_cols)
    else:
        x_train = x_train.reshape(x_train.shape[0], img_rows, img_cols, 1)
        x_test = x_test.reshape(x_test.shape[0], img_rows, img_cols, 1)
        input_shape = (img_rows, img_cols, 1)
    x_train = x_train.astype("float32") / 16  # digits' pixels go up to 16, MNIST's to 255
    x_test = x_test.astype("float32") / 16
    y_train = kernelkit.utils.to_categorical(y_train, num_classes)
    y_test = kernelkit.utils.to_categorical(y_test, num_classes)

    def make_model(dense_layer_sizes, filters, kernel_size, pool_size):
        """Two convolutional layers, then the dense layers of `dense_layer_sizes`."""
        model = Sequential()
        model.add(Conv2D(filters, kernel_size, padding="valid", input_shape=input_shape))
        model.add(Activation("relu"))
        model.add(Conv2D(filters, kernel_size))
        model.add(Activation("relu"))
        model.add(MaxPooling2D(pool_size=pool_size))
        model.add(Dropout(0.25))
        model.add(Flatten())
        for layer_size in dense_layer_sizes:
            model.add(Dense(layer_size))
            model.add(Activation("relu"))
        model.add(Dropout(0.5))
        model.add(Dense(num_classes))
        model.add(Activation("softmax"))
        model.compile(loss="categorical_crossentropy", optimizer="adadelta",
                      metrics=["accuracy"])
        return model

    dense_size_candidates = [[64], [64, 64]]
    my_classifier = KerasClassifier(make_model, batch_size=32, verbose=0)
    param_grid = {"dense_layer_sizes": dense_size_candidates,
                  # epochs can be tuned although make_model does not take it
                  "epochs": [10, 20],
                  "filters": [8], "kernel_size": [3], "pool_size": [2]}
    validator = GridSearchCV(my_classifier, param_grid=param_grid, scoring="neg_log_loss",
                             cv=3, n_jobs=1)
    validator.fit(x_train, y_train)

    assert len(validator.cv_results_["params"]) == 4
    candidates = [{"dense_layer_sizes": d, "epochs": e, "filters": 8, "kernel_size": 3,
                   "pool_size": 2} for d in dense_size_candidates for e in (10, 20)]
    assert validator.best_params_ in candidates
    # neg_log_loss well above chance (-log(1/10) = -2.3): every candidate learnt something
    assert validator.cv_results_["mean_test_score"].min() > -1.5, validator.cv_results_

    best_model = validator.best_estimator_.model
    metric_names = best_model.metrics_names
    metric_values = best_model.evaluate(x_test, y_test, verbose=0)
    scores = dict(zip(metric_names, metric_values))
    assert metric_names == ["loss", "acc"]
    assert len(best_model.history.epoch) == validator.best_params_["epochs"]
    assert scores["acc"] > 0.9, scores
    # the wrapper's own score is the same accuracy, and its labels are argmax of the model
    probabilities = best_model.predict(x_test)
    assert np.mean(probabilities.argmax(axis=1) == y_test.argmax(axis=1)) == pytest.approx(
        scores["acc"], abs=1e-9)
    np.testing.assert_array_equal(validator.predict(x_test), probabilities.argmax(axis=1))
    assert validator.score(x_test, y_test) <= 0  # neg_log_loss of the refitted best model
