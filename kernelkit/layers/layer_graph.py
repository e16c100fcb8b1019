"""What a layer knows of the functional graph it was called in: its input and output tensors
and shapes, per call (node)."""

__all__ = ["NodeAccessors"]


class NodeAccessors:
    """A Layer's graph accessors (`input`, `output`, `input_shape`, `output_shape`,
    `get_input_at`, ...), read from the Nodes recorded in `_inbound_nodes`."""

    def _node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' is not connected, no {what} to return.")
        values = [getattr(n, attr) for n in self._inbound_nodes]
        if len(self._inbound_nodes) > 1 and any(v != values[0] for v in values[1:]) \
                and attr.endswith("shapes"):
            raise AttributeError(f"The layer '{self.name}' has multiple inbound nodes with "
                                 f"different {what}s. Use `get_{what}_at(node_index)`.")
        if len(self._inbound_nodes) > 1 and not attr.endswith("shapes"):
            raise AttributeError(f"Layer '{self.name}' has multiple inbound nodes, hence the "
                                 f"notion of 'layer {what}' is ill-defined. Use "
                                 f"`get_{what}_at(node_index)` instead.")
        return values[0]

    @property
    def input(self):
        """The layer's input tensor (or list of them) in the graph it was called in once."""
        return _one_or_list(self._node_attr("input_tensors", "input"))

    @property
    def output(self):
        """The layer's output tensor (or list of them) in the graph it was called in once."""
        return _one_or_list(self._node_attr("outputs", "output"))

    @property
    def input_shape(self):
        """The shape of the layer's input (batch axis first, None when unknown)."""
        if not self._inbound_nodes and self._batch_input_shape is not None:
            return self._batch_input_shape
        return _one_or_list(self._node_attr("input_shapes", "input_shape"))

    @property
    def output_shape(self):
        """The shape of the layer's output (batch axis first, None when unknown)."""
        if not self._inbound_nodes:
            raise AttributeError(f"The layer '{self.name}' has never been called and thus has "
                                 "no defined output shape.")
        return _one_or_list(self._node_attr("output_shapes", "output_shape"))

    def get_input_at(self, node_index):
        """Returns the input tensor(s) of the layer at one of its calls (nodes).

        Arguments:
            node_index: integer, the index of the call (0 for the first).

        Returns:
            A tensor, or a list of tensors for several inputs.
        """
        return _one_or_list(self._inbound_nodes[node_index].input_tensors)

    def get_output_at(self, node_index):
        """Returns the output tensor(s) of the layer at one of its calls (nodes).

        Arguments:
            node_index: integer, the index of the call (0 for the first).

        Returns:
            A tensor, or a list of tensors for several outputs.
        """
        return _one_or_list(self._inbound_nodes[node_index].outputs)

    def get_input_shape_at(self, node_index):
        """Returns the input shape(s) of the layer at one of its calls (nodes).

        Arguments:
            node_index: integer, the index of the call (0 for the first).

        Returns:
            A shape tuple, or a list of them for several inputs.
        """
        return _one_or_list(self._inbound_nodes[node_index].input_shapes)

    def get_output_shape_at(self, node_index):
        """Returns the output shape(s) of the layer at one of its calls (nodes).

        Arguments:
            node_index: integer, the index of the call (0 for the first).

        Returns:
            A shape tuple, or a list of them for several outputs.
        """
        return _one_or_list(self._inbound_nodes[node_index].output_shapes)


def _one_or_list(tensors):
    """A node's tensors as Keras returns them: the tensor when there is one, else the list."""
    return tensors[0] if len(tensors) == 1 else tensors
