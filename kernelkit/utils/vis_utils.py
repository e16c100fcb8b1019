"""Keras 2's `keras.utils.vis_utils`: drawing a model's graph (`plot_model`, `model_to_dot`).

kernelkit draws without a system Graphviz (its own layout and SVG renderer); the rendering lives
in `kernelkit.display` and is imported when a graph is drawn.
"""

__all__ = ["model_to_dot", "plot_model"]


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=96,
               layer_range=None, show_layer_activations=False, show_trainable=False):
    """Draw a model's graph into a file and return it as an image for Jupyter.

    Arguments:
        model: a kernelkit model.
        to_file: the file to write; its extension picks the format ('png', 'svg', 'dot';
            'pdf' needs a system Graphviz).
        show_shapes: write each layer's input and output shapes.
        show_dtype: accepted for Keras compatibility; not drawn.
        show_layer_names: write each layer's name.
        rankdir: 'TB' (top to bottom) or 'LR' (left to right).
        expand_nested: draw the layers of nested models inside them.
        dpi: resolution of a PNG.
        layer_range: accepted for Keras compatibility; the whole model is drawn.
        show_layer_activations: write each layer's activation.
        show_trainable: mark which layers are trainable.

    Returns:
        An image object that Jupyter displays inline.

    Raises:
        ValueError: for an unknown file extension or `rankdir`.
    """
    from kernelkit.display.plot import plot_model as _plot  # the renderer loads on first use
    return _plot(model, to_file=to_file, show_shapes=show_shapes, show_dtype=show_dtype,
                 show_layer_names=show_layer_names, rankdir=rankdir, expand_nested=expand_nested,
                 dpi=dpi, show_layer_activations=show_layer_activations,
                 show_trainable=show_trainable)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96, subgraph=False, show_layer_activations=False,
                 show_trainable=False):
    """A model's graph as Graphviz DOT source.

    Arguments:
        model: a kernelkit model.
        show_shapes: as for `plot_model`; so are show_dtype, show_layer_names, rankdir,
            expand_nested, dpi, show_layer_activations and show_trainable.
        subgraph: accepted for Keras compatibility.

    Returns:
        A `kernelkit.display.plot.Dot` whose `.source` is the DOT text (and which renders with
        `.create(prog='dot', format='svg')` when a system Graphviz exists).
    """
    from kernelkit.display.plot import model_to_dot as _to_dot  # as above
    return _to_dot(model, show_shapes=show_shapes, show_layer_names=show_layer_names,
                   rankdir=rankdir, expand_nested=expand_nested, dpi=dpi,
                   show_layer_activations=show_layer_activations, show_trainable=show_trainable)
