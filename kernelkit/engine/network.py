"""Keras 2.2.4's `keras.engine.network`: `Network` and `get_source_inputs` (re-exports).

Keras 2.2.4's `Network` is the graph part of `Model`; kernelkit has one class for both, so
`Network` is `Model` (`Network(inputs, outputs)` builds the same functional model). A leaf
shim: nothing in kernelkit imports it, so importing `models` here cannot form a cycle.
"""
from ..layers.node import get_source_inputs
from ..models.model import Model as Network

__all__ = ["Network", "get_source_inputs"]
