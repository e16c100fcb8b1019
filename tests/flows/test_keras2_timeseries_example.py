"""The Keras 2 documentation's TimeseriesGenerator recipe feeding an LSTM: windows of a series
predict its next value, trained with fit_generator and evaluated with evaluate_generator."""
import numpy as np

from kernelkit.layers import LSTM, Dense
from kernelkit.models import Sequential
from kernelkit.preprocessing.sequence import TimeseriesGenerator


def test_timeseries_generator_into_lstm():
    np.random.seed(0)
    t = np.arange(1200, dtype="float32")
    series = (np.sin(t * 0.07) + 0.5 * np.sin(t * 0.19 + 1.0)).astype("float32")
    data = series.reshape(-1, 1)
    length = 16
    train = TimeseriesGenerator(data[:1000], data[:1000], length=length, batch_size=32)
    test = TimeseriesGenerator(data[1000:], data[1000:], length=length, batch_size=32)

    # the generator's windows, checked independently: sample i is series[i:i+length] -> series[i+length]
    x0, y0 = train[0]
    assert x0.shape == (32, length, 1) and y0.shape == (32, 1)
    np.testing.assert_array_equal(x0[5, :, 0], series[5:5 + length])
    np.testing.assert_array_equal(y0[5], [series[5 + length]])
    assert len(train) == int(np.ceil((1000 - length) / 32))

    model = Sequential([LSTM(24, input_shape=(length, 1)), Dense(1)])
    model.compile("adam", "mse")
    history = model.fit_generator(train, epochs=25, verbose=0, shuffle=True)
    mse = model.evaluate_generator(test)

    target = series[1000 + length:]
    variance = target.var()   # the error of predicting the mean
    assert history.history["loss"][-1] < history.history["loss"][0] / 5
    assert mse < 0.05 * variance
    pred = model.predict_generator(test)
    np.testing.assert_allclose(((pred[:, 0] - target) ** 2).mean(), mse, rtol=1e-4)
