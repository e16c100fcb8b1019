"""Model weights in Keras's HDF5 layout: `save_weights`, `load_weights` and the group helpers
that the full-model save reuses.

A weights group holds the attribute `layer_names` (the model's layers, in order) and one
subgroup per layer with the attribute `weight_names` and one dataset per weight, named by
the weight (`dense/kernel:0`, so the dataset sits at `dense/dense/kernel:0`). A layer's
weights are `trainable_weights + non_trainable_weights`; loading is positional inside a
layer group, as in Keras, and matches layer groups by position (default) or by name.
"""
import contextlib
import warnings

import numpy as np

from .atomic import confirm_overwrite, readable_group, writable_group
from .rnn_weight_conversion import convert_rnn_weights
from .weight_preprocessing import preprocess_weights_for_loading

# The Keras API version kernelkit writes files for (tf.keras 2 spelling). Keras's loaders
# only look at it to convert Keras 1 files.
KERAS_VERSION = "2.15.0"
BACKEND = "kernelkit"
HDF5_OBJECT_HEADER_LIMIT = 64512  # bytes; longer attributes are split in chunks, as Keras does


# ---- attributes ----------------------------------------------------------------------

def write_string_list(group, name, strings):
    """Store a list of names as Keras does: variable-length ASCII strings, chunked if long."""
    import h5py
    strings = list(strings)
    if not strings:
        group.attrs[name] = np.zeros((0,), dtype=np.float64)  # Keras's empty list
        return
    ascii_only = all(s.isascii() for s in strings)
    dtype = h5py.string_dtype("ascii" if ascii_only else "utf-8")
    encoded = [s.encode("utf8") for s in strings]
    too_long = [s for s, e in zip(strings, encoded) if len(e) > HDF5_OBJECT_HEADER_LIMIT]
    if too_long:
        raise ValueError(f"Cannot save the names {too_long[:3]}: each name must be shorter than "
                         f"{HDF5_OBJECT_HEADER_LIMIT} bytes.")
    chunks, current, size = [], [], 0
    for e in encoded:
        if current and size + len(e) > HDF5_OBJECT_HEADER_LIMIT:
            chunks.append(current)
            current, size = [], 0
        current.append(e)
        size += len(e)
    chunks.append(current)
    if len(chunks) == 1:
        group.attrs.create(name, chunks[0], dtype=dtype)
    else:
        for i, chunk in enumerate(chunks):
            group.attrs.create(f"{name}{i}", chunk, dtype=dtype)


def _as_str(value):
    if isinstance(value, bytes):
        return value.decode("utf8")
    if isinstance(value, np.bytes_):
        return bytes(value).decode("utf8")
    return str(value)


def _checked_attr(group, name, classes):
    """`group.attrs[name]` after checking its HDF5 type class.

    A damaged file can describe an attribute with a type that h5py's conversion code does
    not survive (a string list read as a variable-length integer sequence crashes the
    interpreter), so the type is checked before any value is read.
    """
    type_class = group.attrs.get_id(name).get_type().get_class()
    if type_class not in classes:
        raise ValueError(f"attribute '{name}' of '{group.name}' has an unexpected HDF5 type "
                         f"(class {type_class}); the file is damaged")
    return group.attrs[name]


def _string_classes():
    import h5py
    return (h5py.h5t.STRING,)


def _list_classes():
    import h5py
    return (h5py.h5t.STRING, h5py.h5t.FLOAT)  # float: Keras's empty list


# A weight whose declared size is above this and more than _MAX_RATIO times what the file
# stores for it is refused before it is read (a compressed or unallocated "shape bomb").
_BOMB_MIN_BYTES = 64 * 2 ** 20
_MAX_RATIO = 1000


def checked_dataset(group, name):
    """The numeric h5py dataset `group[name]`, checked without reading its values.

    Raises:
        ValueError: it is a group, not numeric (see `_checked_attr`), or its declared size
            is far larger than what the file stores for it.
    """
    import h5py
    dataset = group[name]
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"'{dataset.name}' should be a weight array but is a group")
    type_class = dataset.id.get_type().get_class()
    if type_class not in (h5py.h5t.FLOAT, h5py.h5t.INTEGER):
        raise ValueError(f"the weight '{dataset.name}' is not numeric (HDF5 type class "
                         f"{type_class}); the file is damaged")
    declared = int(np.prod(dataset.shape, dtype=np.float64) * dataset.dtype.itemsize) \
        if dataset.shape is not None else 0
    stored = dataset.id.get_storage_size()
    if declared > _BOMB_MIN_BYTES and declared > _MAX_RATIO * max(stored, 1):
        raise ValueError(f"the weight '{dataset.name}' declares shape {dataset.shape} "
                         f"({declared} bytes) but the file stores only {stored} bytes for it; "
                         "refusing to expand it (the file is damaged or hostile)")
    return dataset


class StoredWeight:
    """A weight dataset not read yet: its `shape` can be checked before `np.asarray` reads it."""

    def __init__(self, dataset):
        self.dataset, self.name = dataset, dataset.name
        self.shape = tuple(dataset.shape)

    def __array__(self, dtype=None, copy=None):
        value = np.asarray(self.dataset[()])
        return value if dtype is None else value.astype(dtype, copy=False)


def read_dataset(group, name):
    """A weight array, after the checks of `checked_dataset`."""
    return np.asarray(checked_dataset(group, name)[()])


def read_string_list(group, name):
    """The list stored by `write_string_list` (or by Keras: bytes, fixed-length, chunked).

    Returns None when the attribute is absent.
    """
    attrs = group.attrs
    if name in attrs:
        parts = [_checked_attr(group, name, _list_classes())]
    elif f"{name}0" in attrs:
        parts, i = [], 0
        while f"{name}{i}" in attrs:
            parts.append(_checked_attr(group, f"{name}{i}", _list_classes()))
            i += 1
    else:
        return None
    out = []
    for part in parts:
        arr = np.asarray(part)
        if arr.dtype.kind == "f" and arr.size == 0:
            continue
        if arr.dtype.kind not in "OSU":
            raise ValueError(f"attribute '{name}' of '{group.name}' holds {arr.dtype} values, "
                             "not names")
        out.extend(_as_str(v) for v in arr.reshape(-1))
    return out


def has_string_list(group, name):
    return name in group.attrs or f"{name}0" in group.attrs


def read_string_attr(group, name):
    """A scalar string attribute (bytes or str), or None when absent."""
    if name not in group.attrs:
        return None
    value = _checked_attr(group, name, _string_classes())
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if not isinstance(value, (str, bytes, np.bytes_)):
        raise ValueError(f"attribute '{name}' is not a string")
    return _as_str(value)


# ---- writing ----------------------------------------------------------------------------

def unique_names(names):
    """Dataset names for `names`, made unique (a repeated name gets a suffix `_1`, ...)."""
    out, seen = [], set()
    for name in names:
        name = str(name or "weight").lstrip("/")
        candidate, k = name, 1
        while candidate in seen:
            base, colon, index = name.rpartition(":")
            candidate = f"{base}_{k}:{index}" if colon else f"{name}_{k}"
            k += 1
        seen.add(candidate)
        out.append(candidate)
    return out


def write_weight_subset(group, weights):
    """One layer's group: `weight_names` and a dataset per weight."""
    names = unique_names(w.name for w in weights)
    write_string_list(group, "weight_names", names)
    for name, w in zip(names, weights):
        group.create_dataset(name, data=np.asarray(w.value))


def own_weights(model):
    """Weights created on the model itself (`self.add_weight` in a subclassed model)."""
    return list(model._trainable_weights) + list(model._non_trainable_weights)


def save_weights_to_group(group, model):
    """Write the weights of `model.layers` into `group` (Keras's `model_weights` layout).

    `model.layers` is what Keras lists: a Sequential's layers without its InputLayer, a
    functional model's with its InputLayers, a subclassed model's in attribute order.
    """
    layers = model.layers
    write_string_list(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = BACKEND
    group.attrs["keras_version"] = KERAS_VERSION
    for layer in sorted(layers, key=lambda layer: layer.name):
        write_weight_subset(group.create_group(layer.name), layer.weights)
    write_weight_subset(group.create_group("top_level_model_weights"), own_weights(model))


def save_weights(model, filepath, overwrite=True):
    """`model.save_weights(filepath)`: the weights alone, in Keras's HDF5 layout."""
    if not overwrite and not confirm_overwrite(filepath):
        return
    with writable_group(filepath) as group:
        save_weights_to_group(group, model)


# ---- reading ----------------------------------------------------------------------------

class _FileLayer:
    """One layer group of a weights file: its name and its weight values."""

    def __init__(self, name, values):
        self.name, self.values = name, values


def read_named_subset(group, label, lazy=False):
    """(`weight_names`, the arrays they name) of a layer or optimizer group.

    With `lazy`, the values are `StoredWeight`s, read only once their shapes are checked.
    """
    names = read_string_list(group, "weight_names")
    if names is None:
        raise ValueError(f"'{label}': the group '{group.name}' has no 'weight_names' attribute; "
                         "the file is damaged or not a Keras weights file.")
    values = []
    for n in names:
        if n not in group:
            raise ValueError(f"'{label}': the weight '{n}' listed in '{group.name}' is missing "
                             "from the file.")
        values.append(StoredWeight(checked_dataset(group, n)) if lazy else read_dataset(group, n))
    return names, values


def read_weight_subset(group, label):
    return read_named_subset(group, label, lazy=True)[1]


def read_weight_groups(group, label):
    """The layer groups of a weights file, in `layer_names` order."""
    names = read_string_list(group, "layer_names")
    if names is None:
        raise ValueError(f"'{label}' holds no model weights: there is no 'layer_names' "
                         "attribute (is it a Keras .h5 weights or model file?).")
    layers = []
    for name in names:
        if name not in group:
            raise ValueError(f"'{label}': the layer '{name}' listed in 'layer_names' has no "
                             "group in the file.")
        layers.append(_FileLayer(name, read_weight_subset(group[name], label)))
    return layers


@contextlib.contextmanager
def reading(label):
    """Turn low-level failures while reading a file into errors that name it."""
    try:
        yield
    except NotImplementedError:
        raise
    except (ValueError, OSError) as e:
        if label in str(e):
            raise
        kind = OSError if isinstance(e, OSError) else ValueError
        raise kind(f"{e} (while reading '{label}')") from e
    except (KeyError, TypeError, AttributeError, IndexError, RuntimeError, EOFError) as e:
        raise ValueError(f"Unable to read '{label}': {type(e).__name__}: {e}") from e


def _check_pairs(variables, values, what, label, skip_mismatch, file_layer):
    """(variable, value) pairs to assign, after checking the shapes."""
    pairs = []
    for var, value in zip(variables, values):
        if tuple(var.shape) != value.shape:
            message = (f"{what}: weight '{var.name}' has shape {tuple(var.shape)}, but the saved "
                       f"weight (layer '{file_layer}' in '{label}') has shape {value.shape}.")
            if skip_mismatch:
                warnings.warn(f"Skipping loading of weights for {what} due to mismatch in "
                              f"shape. {message}", stacklevel=4)
                return []
            raise ValueError(message)
        pairs.append((var, value))
    return pairs


def _count_mismatch(layer, file_layer, n_model, n_file, label, k=None):
    where = f"Layer #{k} (named '{layer.name}' in the current model)" if k is not None \
        else f"Layer '{layer.name}'"
    return (f"{where} was found to correspond to layer '{file_layer}' in '{label}'. However "
            f"the layer expects {n_model} weights, but the saved weights have {n_file} "
            "elements.")


def load_weights_from_group(group, model, label, by_name=False, skip_mismatch=False,
                            strict=False, reshape=False):
    """Set `model`'s weights from a Keras weights group.

    Arguments:
        group: the group with `layer_names` (a weights file's root or `model_weights`).
        label: the file, for messages.
        by_name: match layers by name (layers the file lacks keep their weights).
        skip_mismatch: with `by_name`, warn and skip layers whose weights do not match.
        strict: match by name, and require every layer with weights to be in the file
            (load_model, where the architecture came from the same file).
        reshape: reshape a convolution's saved kernel of the right size to the layer's
            kernel shape (Keras 2.2.4's `reshape`, see `_reshaping`).

    Nothing is assigned unless every weight checks out (or is skipped).

    Raises:
        ValueError: see `load_weights`; with `reshape`, a convolution kernel of another size.
    """
    with reading(label):
        if not has_string_list(group, "layer_names") and "model_weights" in group:
            group = group["model_weights"]  # a whole-model file
        file_layers = read_weight_groups(group, label)
        top_level = read_weight_subset(group["top_level_model_weights"], label) \
            if "top_level_model_weights" in group else []
        convert = _converter(read_string_attr(group, "keras_version"),
                             read_string_attr(group, "backend"))
    if reshape:
        convert = _reshaping(convert)
    layers = [layer for layer in model.layers if layer.weights]
    if not layers and not own_weights(model) and any(fl.values for fl in file_layers):
        raise ValueError(
            f"Unable to load weights from '{label}' into model '{model.name}', which has not "
            "created its weights yet. Build the model first (call it on data, or give the "
            "first layer an `input_shape`), then load the weights.")
    if by_name or strict:
        pairs = _pairs_by_name(layers, file_layers, label, skip_mismatch, strict, convert)
    else:
        pairs = _pairs_topological(layers, file_layers, label, convert)
    if top_level or own_weights(model):
        mine = own_weights(model)
        if len(mine) != len(top_level):
            raise ValueError(f"Model '{model.name}' has {len(mine)} weights of its own, but "
                             f"'{label}' holds {len(top_level)} top-level weights.")
        pairs += _check_pairs(mine, top_level, f"model '{model.name}'", label, False,
                              "top_level_model_weights")
    with reading(label):
        values = [np.asarray(value, dtype=var.value.dtype) for var, value in pairs]
    for (var, _), value in zip(pairs, values):
        var.value[...] = value


def _converter(keras_version, backend):
    """How the file's weights of one layer become the layer's: CuDNN <-> plain RNN layouts
    always; and as Keras 2.2.4's loader, Keras 1 layouts (a file without `keras_version`
    is a Keras 1 file) and Theano's flipped convolution kernels."""
    version = "1" if keras_version is None else keras_version
    if (version == "1" or version.startswith("1.")) or backend == "theano":
        return lambda layer, values: preprocess_weights_for_loading(layer, values, version,
                                                                    backend)
    return convert_rnn_weights


# The layers whose kernel Keras 2.2.4's `reshape=True` reshapes (by class name, as Keras).
_RESHAPED_KERNELS = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "ConvLSTM2D")


def _reshaping(convert):
    """`convert` followed by Keras 2.2.4's `load_weights(..., reshape=True)`: a convolution
    layer's saved kernel with the layer's number of entries but another shape (a Dense
    kernel loaded into a 1x1 convolution) is reshaped to the layer's kernel shape.

    Raises:
        ValueError: the saved kernel has another number of entries than the layer's.
    """
    def convert_and_reshape(layer, values):
        values = list(convert(layer, values))
        if type(layer).__name__ not in _RESHAPED_KERNELS or not values or not layer.weights:
            return values
        want = tuple(layer.weights[0].shape)
        kernel = np.asarray(values[0])
        if kernel.shape != want:
            if kernel.size != int(np.prod(want)):
                raise ValueError(f"Weights must be of equal size to apply a reshape operation. "
                                 f"Layer {layer.name}'s weights have shape {want} and size "
                                 f"{int(np.prod(want))}. The weights for loading have shape "
                                 f"{kernel.shape} and size {kernel.size}.")
            values[0] = kernel.reshape(want)
        return values
    return convert_and_reshape


def _pairs_topological(layers, file_layers, label, convert):
    file_layers = [fl for fl in file_layers if fl.values]
    if len(file_layers) != len(layers):
        raise ValueError(f"You are trying to load a weight file containing {len(file_layers)} "
                         f"layers into a model with {len(layers)} layers. (Counting the layers "
                         f"with weights: '{label}' has {[fl.name for fl in file_layers]}; the "
                         f"model has {[layer.name for layer in layers]}.)")
    pairs = []
    for k, (layer, fl) in enumerate(zip(layers, file_layers)):
        variables = layer.weights
        values = convert(layer, fl.values)
        if len(variables) != len(values):
            raise ValueError(_count_mismatch(layer, fl.name, len(variables), len(values),
                                             label, k))
        pairs += _check_pairs(variables, values, f"Layer #{k} (named '{layer.name}')", label,
                              False, fl.name)
    return pairs


def _pairs_by_name(layers, file_layers, label, skip_mismatch, strict, convert):
    by_name = {fl.name: fl for fl in file_layers}
    pairs = []
    for layer in layers:
        fl = by_name.get(layer.name)
        if fl is None:
            if strict:
                raise ValueError(f"'{label}' has no weights for layer '{layer.name}' of the "
                                 "model it describes; the file is damaged.")
            continue
        variables = layer.weights
        values = convert(layer, fl.values)
        if len(variables) != len(values):
            message = _count_mismatch(layer, fl.name, len(variables), len(values), label)
            if skip_mismatch:
                warnings.warn(f"Skipping loading of weights for layer '{layer.name}' due to "
                              f"mismatch in number of weights. {message}", stacklevel=3)
                continue
            raise ValueError(message)
        pairs += _check_pairs(variables, values, f"Layer '{layer.name}'", label, skip_mismatch,
                              fl.name)
    if strict:
        names = {layer.name for layer in layers}
        extra = [fl.name for fl in file_layers if fl.values and fl.name not in names]
        if extra:
            raise ValueError(f"'{label}' holds weights for layers {extra}, which the model it "
                             "describes does not have; the file is damaged.")
    return pairs


def load_weights(model, filepath, by_name=False, skip_mismatch=False, reshape=False):
    """`model.load_weights(filepath, by_name=False, skip_mismatch=False, reshape=False)`.

    Raises:
        ValueError: a layer count, weight count or shape mismatch (naming the layer and
            both shapes), or a file that holds no weights.
        OSError: the file cannot be opened as HDF5.
    """
    if skip_mismatch and not by_name:
        raise ValueError("When calling model.load_weights, skip_mismatch can only be set to "
                         "True when by_name is True.")
    with readable_group(filepath) as (group, label):
        load_weights_from_group(group, model, label, by_name=by_name,
                                skip_mismatch=skip_mismatch, reshape=reshape)
