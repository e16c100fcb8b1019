"""Keras 2.2.4's `keras.legacy.layers`: Keras 1 layer names without a Keras 2 class.

`AtrousConvolution1D`/`AtrousConvolution2D` are Keras 2's `Conv1D`/`Conv2D` with a
`dilation_rate` (Keras 1's `atrous_rate`); they return those layers, so a saved model holds a
plain `Conv2D`, as in Keras.
"""
import warnings

from ..layers.convolutional import Conv1D, Conv2D

__all__ = ["AtrousConvolution1D", "AtrousConvolution2D"]


def _atrous(layer_class, args, kwargs):
    kwargs["dilation_rate"] = kwargs.pop("atrous_rate", 1)
    warnings.warn(f"The `Atrous{layer_class.__name__.replace('Conv', 'Convolution')}` layer "
                  f"has been deprecated. Use instead the `{layer_class.__name__}` layer with "
                  "the `dilation_rate` argument.", stacklevel=3)
    return layer_class(*args, **kwargs)


def AtrousConvolution1D(*args, **kwargs):  # noqa: N802 - Keras's name
    """Keras 1's dilated 1D convolution: a `Conv1D` with `dilation_rate=atrous_rate`.

    Arguments:
        *args, **kwargs: `Conv1D`'s arguments, in Keras 1 or Keras 2 spelling
            (`nb_filter`, `filter_length`, `border_mode`, ...), and `atrous_rate` (default 1).

    Returns:
        A `Conv1D` layer.
    """
    return _atrous(Conv1D, args, kwargs)


def AtrousConvolution2D(*args, **kwargs):  # noqa: N802 - Keras's name
    """Keras 1's dilated 2D convolution: a `Conv2D` with `dilation_rate=atrous_rate`.

    Arguments:
        *args, **kwargs: `Conv2D`'s arguments, in Keras 1 or Keras 2 spelling
            (`AtrousConvolution2D(64, 3, 3, atrous_rate=(2, 2), border_mode='same')`).

    Returns:
        A `Conv2D` layer.
    """
    return _atrous(Conv2D, args, kwargs)
