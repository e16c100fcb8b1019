"""Shape helpers shared by the layers with spatial axes (convolution, pooling, padding,
cropping, upsampling): padding names, input ranks, and batch/spatial/channel axes in either
data format."""
import numpy as np

from ..ops.core import unwrap

__all__ = []


def normalize_padding(padding, allowed, layer_name):
    """`padding` lower-cased; ValueError naming the layer unless it is one of `allowed`."""
    value = str(padding).lower()
    if value not in allowed:
        raise ValueError(f"Layer '{layer_name}': `padding` must be one of {allowed}, got "
                         f"{padding!r}.")
    return value


def check_input_rank(layer, inputs, rank):
    """The shape of `inputs`; ValueError naming the layer unless it has `rank` spatial axes
    (plus batch and channels)."""
    shape = np.shape(unwrap(inputs))
    if len(shape) != rank + 2:
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: "
                         f"expected ndim={rank + 2}, found ndim={len(shape)}. Full shape "
                         f"received: {tuple(shape)}")
    return shape


def split_shape(input_shape, rank, data_format):
    """(batch, spatial sizes, channels) of a conv input shape in `data_format`."""
    input_shape = tuple(input_shape)
    if data_format == "channels_first":
        return input_shape[0], input_shape[2:], input_shape[1]
    return input_shape[0], input_shape[1:-1], input_shape[-1]


def join_shape(batch, spatial, channels, data_format):
    """The shape of a tensor with these batch, spatial and channel sizes in `data_format`."""
    if data_format == "channels_first":
        return (batch, channels) + tuple(spatial)
    return (batch,) + tuple(spatial) + (channels,)


def check_output_sizes(layer, input_shape, out_spatial, what):
    """ValueError naming the layer if any output size is zero or negative."""
    if any(o is not None and o <= 0 for o in out_spatial):
        raise ValueError(
            f"{type(layer).__name__} layer '{layer.name}': {what} does not fit the input of "
            f"shape {tuple(input_shape)}: the output's spatial shape would be "
            f"{tuple(out_spatial)}. Use padding='same', a smaller window, or a larger input.")


def check_shape_rank(layer, input_shape, rank):
    """ValueError naming the layer unless `input_shape` has `rank` spatial axes (plus batch and
    channels)."""
    if len(input_shape) != rank + 2:
        raise ValueError(f"{type(layer).__name__} layer '{layer.name}': expected an input of "
                         f"rank {rank + 2}, got shape {tuple(input_shape)}.")
