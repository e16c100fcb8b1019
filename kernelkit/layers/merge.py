"""Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot) and
their functional forms (`add([a, b])`, ...)."""
import functools

import numpy as np

from .. import ops
from ..ops.batch_dot import batch_dot
from ..ops.core import unwrap
from .base import Layer
from .layer_docs import fill_docstring
from .shape_inference import infer_output_shape


# The Arguments, Input, Output and Raises of the element-wise merges (Add, Multiply, ...).
ELEMENTWISE_MERGE = """\
Arguments:
    **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

Input:
    When called, a list of at least 2 tensors, of one shape (size-1 axes broadcast).

Output:
    One tensor of the inputs' shape.

Raises:
    ValueError: when called on fewer than 2 inputs or on shapes that do not match."""


class _Merge(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"A merge layer ('{self.name}') should be called on a list of at "
                             f"least 2 inputs. Got: {type(inputs).__name__}"
                             f"{'' if not isinstance(inputs, (list, tuple)) else ' of ' + str(len(inputs))}")

    def build(self, input_shape):
        self._check(input_shape)
        self._shape_check(input_shape)
        self.built = True

    def _shape_check(self, shapes):
        self.compute_output_shape(shapes)

    def _broadcast(self, a, b, shapes):
        """The element-wise result's shape of two shapes (batch left out), aligned at their
        last axes as Keras 2.2.4's merges do (a lower-rank input gains axes after the batch)."""
        if len(a) < len(b):
            a, b = b, a
        out = list(a[:len(a) - len(b)])
        for x, y in zip(a[len(a) - len(b):], b):
            if x is not None and y is not None and x != y and 1 not in (x, y):
                raise ValueError(f"Layer '{self.name}': operands could not be broadcast together "
                                 f"with shapes {[tuple(s) for s in shapes]}")
            out.append(y if x == 1 else x if y == 1 else (x if x is not None else y))
        return tuple(out)

    def call(self, inputs):
        self._check(inputs)
        ranks = [np.ndim(unwrap(x)) for x in inputs]
        if len(set(ranks)) > 1:   # Keras 2.2.4: expand the lower-rank inputs at axis 1
            inputs = [functools.reduce(lambda t, _: ops.expand_dims(t, 1), range(max(ranks) - r), x)
                      for x, r in zip(inputs, ranks)]
        return self._merge_function(inputs)

    def _merge_function(self, inputs):
        """The merge of the list `inputs` (of one rank). Keras 2.2.4's hook, which merges of
        your own override (WGAN-GP's `RandomWeightedAverage`); kernelkit's merges give a
        pairwise `_merge` instead."""
        return functools.reduce(self._merge, inputs)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        batches = {s[0] for s in input_shape} - {None}
        if len(batches) > 1:
            raise ValueError(f"Layer '{self.name}': can not merge tensors with different batch "
                             f"sizes. Got tensors with shapes: {[tuple(s) for s in input_shape]}")
        dims = functools.reduce(lambda a, b: self._broadcast(a, b, input_shape),
                                [tuple(s[1:]) for s in input_shape])
        return (batches.pop() if batches else None,) + dims

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"Layer '{self.name}': `mask` should be a list.")
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"Layer '{self.name}': `inputs` should be a list.")
        if len(mask) != len(inputs):
            raise ValueError(f"Layer '{self.name}': the lists `inputs` and `mask` should have "
                             "the same length.")
        if all(m is None for m in mask):
            return None
        masks = [np.asarray(unwrap(m), bool) for m in mask if m is not None]
        return functools.reduce(np.logical_and, masks)


@fill_docstring(elementwise=ELEMENTWISE_MERGE)
class Add(_Merge):
    """Layer that adds a list of inputs, element by element.

    Example: `added = Add()([x1, x2])`, the same as `add([x1, x2])`.

    {elementwise}
    """

    _merge = staticmethod(ops.add)


class Subtract(_Merge):
    """Layer that subtracts two inputs: `inputs[0] - inputs[1]`.

    Example: `diff = Subtract()([x1, x2])`.

    Arguments:
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Input:
        When called, a list of exactly 2 tensors of the same shape.

    Output:
        One tensor of the inputs' shape.

    Raises:
        ValueError: when called on other than 2 inputs or on shapes that do not match.
    """

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer ('{self.name}') should be called on exactly "
                             "2 inputs.")

    _merge = staticmethod(ops.subtract)


@fill_docstring(elementwise=ELEMENTWISE_MERGE)
class Multiply(_Merge):
    """Layer that multiplies a list of inputs, element by element.

    Example: `product = Multiply()([x1, x2])`.

    {elementwise}
    """

    _merge = staticmethod(ops.multiply)


@fill_docstring(elementwise=ELEMENTWISE_MERGE)
class Maximum(_Merge):
    """Layer that takes the element-wise maximum of a list of inputs.

    Example: `largest = Maximum()([x1, x2])`.

    {elementwise}
    """

    _merge = staticmethod(ops.maximum)


@fill_docstring(elementwise=ELEMENTWISE_MERGE)
class Minimum(_Merge):
    """Layer that takes the element-wise minimum of a list of inputs.

    Example: `smallest = Minimum()([x1, x2])`.

    {elementwise}
    """

    _merge = staticmethod(ops.minimum)


@fill_docstring(elementwise=ELEMENTWISE_MERGE)
class Average(_Merge):
    """Layer that averages a list of inputs, element by element.

    Example: `mean = Average()([x1, x2, x3])`.

    {elementwise}
    """

    def call(self, inputs):
        self._check(inputs)
        return ops.multiply(functools.reduce(ops.add, inputs), 1.0 / len(inputs))


class Concatenate(_Merge):
    """Layer that concatenates a list of inputs along one axis.

    All inputs must have the same shape except along the concatenation axis.

    Arguments:
        axis: integer, the axis to concatenate along (default -1, the last).
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Output:
        One tensor, the inputs joined along `axis`.

    Raises:
        ValueError: when called on fewer than 2 inputs, or on shapes that differ elsewhere than
            along `axis`.

    Example:

    ```python
        merged = Concatenate()([Dense(8)(a), Dense(8)(b)])  # shape (None, 16)
    ```
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _shape_check(self, shapes):
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise ValueError(f"Concatenate layer '{self.name}' requires inputs with matching "
                             f"shapes except for the concatenation axis. Got inputs shapes: "
                             f"{[tuple(s) for s in shapes]}")
        rank = ranks.pop()
        ax = self.axis % rank
        for s in shapes[1:]:
            for i, (a, b) in enumerate(zip(shapes[0], s)):
                if i != ax and a is not None and b is not None and a != b:
                    raise ValueError(
                        f"Concatenate layer '{self.name}' requires inputs with matching shapes "
                        f"except for the concatenation axis. Got inputs shapes: "
                        f"{[tuple(x) for x in shapes]}")

    def call(self, inputs):
        self._check(inputs)
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        self._check(input_shape)
        self._shape_check(input_shape)
        out = list(input_shape[0])
        ax = self.axis % len(out)
        sizes = [s[ax] for s in input_shape]
        out[ax] = None if any(s is None for s in sizes) else sum(sizes)
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """Layer that computes the dot product of two tensors, sample by sample.

    For inputs `a` of shape `(batch, n)` and `b` of shape `(batch, n)` with `axes=1`, the output
    has shape `(batch, 1)`: each entry is the dot product of `a[i]` and `b[i]`. As in Keras
    2.2.4, the layer computes `K.batch_dot(a, b, axes)` (the op `kernelkit.ops.batch_dot`), so
    inputs of rank 4 or more follow batch_dot's rules.

    Arguments:
        axes: integer or tuple of 2 integers, the axis (or one axis per input) along which the dot
            product is taken.
        normalize: boolean, L2-normalise both inputs along `axes` first, so the output is the
            cosine proximity of the two samples.
        **kwargs: the base layer's arguments (`name`, `trainable`, `input_shape`, ...).

    Output:
        One tensor: the dot products, shaped from the two inputs' other axes.

    Raises:
        ValueError: when called on other than 2 inputs, or the sizes along `axes` differ.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes if isinstance(axes, (list, tuple)) else [axes, axes]
        self.axes = list(self.axes)
        self.normalize = normalize
        self.supports_masking = False

    def _check(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"A `Dot` layer ('{self.name}') should be called on exactly 2 inputs.")

    def _shape_check(self, shapes):
        a, b = shapes
        ax0, ax1 = self.axes[0] % len(a), self.axes[1] % len(b)
        if a[ax0] is not None and b[ax1] is not None and a[ax0] != b[ax1]:
            raise ValueError(f"Dot layer '{self.name}': dimension incompatibility "
                             f"{a[ax0]} != {b[ax1]}. Layer shapes: {a}, {b}")

    def call(self, inputs):
        self._check(inputs)
        a, b = inputs
        ax0, ax1 = self.axes[0] % np.ndim(unwrap(a)), self.axes[1] % np.ndim(unwrap(b))
        if self.normalize:
            a, b = ops.l2_normalize(a, ax0), ops.l2_normalize(b, ax1)
        return batch_dot(a, b, (ax0, ax1))

    def compute_output_shape(self, input_shape):
        # the shape batch_dot gives (Keras 2.2.4's Dot.call), found by running it on dummies
        self._check(input_shape)
        self._shape_check(input_shape)
        return infer_output_shape(self, [tuple(s) for s in input_shape])

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _functional_form(layer_class, inputs):
    """The function `name(inputs, **kwargs)` that applies a new `layer_class(**kwargs)` to
    `inputs` (Keras 2's `add([a, b])`, ...), documented; `inputs` describes what it takes."""
    name = layer_class.__name__

    def apply(inputs, **kwargs):
        return layer_class(**kwargs)(inputs)

    apply.__name__ = apply.__qualname__ = name.lower()
    apply.__module__ = __name__
    apply.__doc__ = f"""Functional interface to the `{name}` layer: `{name.lower()}(inputs)`.

    Arguments:
        inputs: {inputs}
        **kwargs: arguments of the `{name}` layer (e.g. `name`).

    Returns:
        The output tensor of the `{name}` layer.
    """
    return apply


_AT_LEAST_2 = "list of input tensors (at least 2)."
add = _functional_form(Add, _AT_LEAST_2)
subtract = _functional_form(Subtract, "list of exactly 2 input tensors.")
multiply = _functional_form(Multiply, _AT_LEAST_2)
average = _functional_form(Average, _AT_LEAST_2)
maximum = _functional_form(Maximum, _AT_LEAST_2)
minimum = _functional_form(Minimum, _AT_LEAST_2)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional interface to the `Concatenate` layer: `concatenate(inputs)`.

    Arguments:
        inputs: list of input tensors (at least 2).
        axis: integer, the concatenation axis (default -1).
        **kwargs: arguments of the `Concatenate` layer (e.g. `name`).

    Returns:
        The output tensor of the `Concatenate` layer.
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """Functional interface to the `Dot` layer: `dot(inputs)`.

    Arguments:
        inputs: list of exactly 2 input tensors.
        axes: integer or tuple of 2 integers, the axes of the dot product.
        normalize: boolean, L2-normalise both inputs along `axes` first (cosine proximity).
        **kwargs: arguments of the `Dot` layer (e.g. `name`).

    Returns:
        The output tensor of the `Dot` layer.
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]
