"""`python -m kernelkit.demo`: the Keras 2 MNIST MLP, on the embedded 8x8 digits.

The model is the seed's Sequential MLP with Activation layers; it prints the summary,
Keras-style progress and the test accuracy.
"""
import argparse

import numpy as np


def build_model(input_dim=64, num_classes=10):
    from kernelkit.layers import Activation, Dense, Dropout
    from kernelkit.models import Sequential
    model = Sequential()
    model.add(Dense(512, input_shape=(input_dim,)))
    model.add(Activation("relu"))
    model.add(Dropout(0.2))
    model.add(Dense(512))
    model.add(Activation("relu"))
    model.add(Dropout(0.2))
    model.add(Dense(num_classes))
    model.add(Activation("softmax"))
    return model


def load_digits():
    from kernelkit.datasets import digits
    from kernelkit.utils import to_categorical
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    x_train = x_train.reshape(len(x_train), 64).astype("float32") / 16
    x_test = x_test.reshape(len(x_test), 64).astype("float32") / 16
    return (x_train, to_categorical(y_train, 10)), (x_test, to_categorical(y_test, 10))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)
    np.random.seed(1234)
    (x_train, y_train), (x_test, y_test) = load_digits()
    print(f"{x_train.shape[0]} train samples, {x_test.shape[0]} test samples")
    model = build_model()
    model.summary()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose, validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", round(float(score[0]), 4))
    print("Test accuracy:", round(float(score[1]), 4))
    return score


if __name__ == "__main__":
    main()
