"""`plot_model` and `model_to_dot`: a model's graph as an image, with or without Graphviz.

The adapter half turns a model into the plain `Graph` of `display.graph` (one box per layer,
an edge per connection, a cluster per nested model with `expand_nested=True`). The drawing
half picks a renderer:

- the system Graphviz `dot`, through the `graphviz` Python package, when both are present;
- otherwise kernelkit's own layout (`display.layout`) drawn as SVG (`display.svg`), or as
  PNG through matplotlib (`display.png`). So `plot_model` works on a fresh `pip install`.

Only formats that need Graphviz (pdf, ps, eps, jpg, gif, ...) raise without it, saying how
to install it. `KERNELKIT_PLOT_RENDERER=graphviz|kernelkit` forces one renderer.
"""
import base64
import dataclasses
import importlib.util
import os
import re
import shutil

from .graph import Graph, GraphCluster, GraphNode, to_dot

RENDERER_VARIABLE = "KERNELKIT_PLOT_RENDERER"
OWN_FORMATS = ("svg", "png")
SOURCE_FORMATS = ("dot", "gv")
GRAPHVIZ_FORMATS = ("svg", "png", "pdf", "ps", "eps", "jpg", "jpeg", "gif", "bmp", "tif",
                    "tiff", "webp")
INSTALL_GRAPHVIZ = ("install Graphviz: `apt-get install graphviz` (Debian/Ubuntu), "
                    "`brew install graphviz` (macOS), `conda install graphviz` or "
                    "https://graphviz.org/download/; and the Python package: "
                    "`pip install graphviz` (part of `kernelkit[notebook]`)")


# ---- the model as a Graph ---------------------------------------------------------------------

def _is_expandable(layer):
    return getattr(layer, "_self_graph", None) is not None and hasattr(layer, "layers")


def _shapes(nodes, which):
    """The input or output shape(s) of a layer over its calls in this model; "multiple" if
    they differ."""
    values = []
    for node in nodes:
        if which == "input" and not node.input_tensors:  # an InputLayer
            which_shapes = node.output_shapes
        else:
            which_shapes = node.input_shapes if which == "input" else node.output_shapes
        values.append(which_shapes[0] if len(which_shapes) == 1 else which_shapes)
    if not values:
        return None
    return values[0] if all(v == values[0] for v in values[1:]) else "multiple"


def _activation_name(layer):
    activation = getattr(layer, "activation", None)
    if activation is None:
        return None
    if isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", None) or type(activation).__name__


class _GraphBuilder:
    """Boxes, edges and clusters of a functional model, nested models expanded or not.

    A box's id is its model's scope (the cluster path) and the layer's id, so a layer object
    that two nested models share gets a box in each.
    """

    def __init__(self, expand_nested):
        self.expand_nested = expand_nested
        self.nodes, self.edges, self.clusters = [], [], []
        self._cluster_of_model = {}

    def _expanded(self, layer):
        return self.expand_nested and _is_expandable(layer) and id(layer) in self._cluster_of_model

    def _node_id(self, layer, scope):
        return f"{scope}/{id(layer)}"

    def add_model(self, model, scope="", cluster=None):
        graph = model._self_graph
        node_ids = {id(n) for n in graph.all_nodes}
        for layer in graph.layers:
            if self.expand_nested and _is_expandable(layer) and \
                    id(layer) not in self._cluster_of_model:
                cluster_id = f"{scope}/{id(layer)}"
                self._cluster_of_model[id(layer)] = cluster_id
                self.clusters.append(GraphCluster(cluster_id, layer.name, cluster))
                self.add_model(layer, cluster_id, cluster_id)
                continue
            if self._expanded(layer):
                continue  # a nested model drawn once, where it first appeared
            calls = [n for n in layer._inbound_nodes if id(n) in node_ids]
            self.nodes.append(GraphNode(
                id=self._node_id(layer, scope), name=layer.name, class_name=type(layer).__name__,
                input_shape=_shapes(calls, "input"), output_shape=_shapes(calls, "output"),
                activation=_activation_name(layer), trainable=bool(layer.trainable),
                cluster=cluster))
        for node in graph.all_nodes:
            for i, tensor in enumerate(node.input_tensors):
                self.edges.append((self._exit(tensor, scope), self._entry(node.layer, i, scope)))

    def _exit(self, tensor, scope):
        """The box a tensor leaves from: through expanded models down to the inner layer."""
        layer, _, index = tensor._keras_history
        while self._expanded(layer):
            scope = self._cluster_of_model[id(layer)]
            layer, _, index = layer._self_graph.outputs[index]._keras_history
        return self._node_id(layer, scope)

    def _entry(self, layer, input_index, scope):
        """The box the `input_index`-th input of a call of `layer` enters."""
        while self._expanded(layer):
            scope = self._cluster_of_model[id(layer)]
            inputs = layer._self_graph.inputs
            layer = inputs[min(input_index, len(inputs) - 1)]._keras_history[0]
            input_index = 0
        return self._node_id(layer, scope)


def model_graph(model, expand_nested=False, rankdir="TB", dpi=96):
    """The `display.graph.Graph` of a model: what `plot_model` draws.

    Functional and Sequential models give one box per layer (Sequential's input layer
    included, as Keras draws it), shared layers once with all their connections; a
    subclassed model, whose structure is Python code, is one box (as in Keras).
    """
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model: rankdir must be 'TB' or 'LR', got {rankdir!r}.")
    if getattr(model, "_self_graph", None) is None and hasattr(model, "_seq_layers"):
        raise ValueError(f"plot_model: the Sequential model '{model.name}' has not been built "
                         "yet, so its layers have no shapes or connections. Give the first "
                         "layer an `input_shape`, or call `model.build(input_shape)` or fit.")
    if getattr(model, "_self_graph", None) is None:
        try:
            output_shape = model.output_shape
        except (AttributeError, ValueError, RuntimeError):
            output_shape = getattr(model, "_eager_output_shape", None)
        node = GraphNode(id=str(id(model)), name=model.name, class_name=type(model).__name__,
                         output_shape=output_shape, trainable=bool(model.trainable))
        return Graph(nodes=[node], rankdir=rankdir, dpi=dpi, name=model.name)
    builder = _GraphBuilder(expand_nested)
    builder.add_model(model)
    return Graph(nodes=builder.nodes, edges=builder.edges, clusters=builder.clusters,
                 rankdir=rankdir, dpi=dpi, name=model.name)


# ---- renderers ---------------------------------------------------------------------------------

def graphviz_available():
    """True when the `dot` program and the `graphviz` Python package are both installed."""
    return shutil.which("dot") is not None and importlib.util.find_spec("graphviz") is not None


def _use_graphviz():
    choice = os.environ.get(RENDERER_VARIABLE, "").strip().lower()
    if choice == "kernelkit":
        return False
    if choice not in ("", "auto", "graphviz"):
        raise ValueError(f"{RENDERER_VARIABLE}={choice!r}: use 'graphviz' or 'kernelkit'.")
    available = graphviz_available()
    if choice == "graphviz" and not available:
        raise RuntimeError(f"{RENDERER_VARIABLE}=graphviz, but Graphviz is not available: "
                           f"{INSTALL_GRAPHVIZ}.")
    return available


def _graphviz_render(source, fmt):
    import graphviz
    return graphviz.Source(source).pipe(format=fmt)


class Dot:
    """DOT source of a model's graph (what `model_to_dot` returns; pydot's main methods).

    Attributes:
        source: the DOT text.
    """

    def __init__(self, source):
        self.source = source

    def to_string(self):
        return self.source

    __str__ = to_string

    def create(self, prog="dot", format="png"):
        """The graph rendered by Graphviz, as bytes (pydot's `create`)."""
        if format in SOURCE_FORMATS:
            return self.source.encode("utf-8")
        if not graphviz_available():
            raise RuntimeError(f"Rendering DOT to {format!r} needs Graphviz: {INSTALL_GRAPHVIZ}. "
                               "Without it, `kernelkit.utils.plot_model` draws svg and png "
                               "itself.")
        import graphviz
        source = self.source
        if format == "svg":  # see plot_model: Graphviz crops SVG drawn at dpi other than 72
            source = re.sub(r"\bdpi=\d+", "dpi=72", source, count=1)
        return graphviz.Source(source, engine=prog).pipe(format=format)

    def write(self, path, format=None):
        """Write the graph to `path`, in `format` (default: the extension; DOT source for
        .dot/.gv)."""
        fmt = (format or os.path.splitext(os.fspath(path))[1][1:] or "dot").lower()
        with open(path, "wb") as f:
            f.write(self.create(format=fmt))

    def _repr_svg_(self):
        if graphviz_available():
            return self.create(format="svg").decode("utf-8")
        return None

    def __repr__(self):
        return f"<Dot: {len(self.source.splitlines())} lines of DOT source>"


class ModelPlot:
    """What `plot_model` returns: the drawing, shown inline when it ends a notebook cell.

    Attributes:
        svg: the SVG text (None when only a raster was asked for and made by Graphviz).
        png: the PNG bytes, or None.
        path: the file written, or None.
        renderer: "graphviz" or "kernelkit".
    """

    def __init__(self, svg=None, png=None, path=None, renderer="kernelkit", make_png=None):
        self.svg, self._png, self.path, self.renderer = svg, png, path, renderer
        self._make_png = make_png

    @property
    def png(self):
        if self._png is None and self._make_png is not None:
            try:
                self._png = self._make_png()
            except ImportError:  # no matplotlib: SVG only
                self._make_png = None
        return self._png

    def _repr_svg_(self):
        return self.svg

    def _repr_png_(self):
        return self.png

    def _repr_mimebundle_(self, include=None, exclude=None):
        # SVG is crisp; PNG is what untrusted notebooks and some viewers fall back to.
        bundle = {"text/plain": repr(self)}
        if self.svg is not None:
            bundle["image/svg+xml"] = self.svg
        if self.png is not None:
            bundle["image/png"] = base64.b64encode(self.png).decode("ascii")
        return bundle

    def __repr__(self):
        where = f" written to {self.path!r}" if self.path else ""
        return f"<model plot by {self.renderer}{where}>"


# ---- Keras's functions ---------------------------------------------------------------------------

def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
                 expand_nested=False, dpi=96, subgraph=False, show_layer_activations=False,
                 show_trainable=False):
    """The model's graph as DOT source (a `Dot`, with `.source` and pydot's `create`/`write`).

    `show_dtype` and `subgraph` are accepted for Keras compatibility and ignored.
    """
    graph = model_graph(model, expand_nested=expand_nested, rankdir=rankdir, dpi=dpi)
    return Dot(to_dot(graph, show_shapes=show_shapes, show_layer_names=show_layer_names,
                      show_layer_activations=show_layer_activations,
                      show_trainable=show_trainable))


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False,
               show_layer_names=True, rankdir="TB", expand_nested=False, dpi=96,
               layer_range=None, show_layer_activations=False, show_trainable=False):
    """Draw the model's graph to `to_file` and return it as an inline image.

    Arguments:
        to_file: where to write, in the format of its extension: png, svg, dot/gv (DOT
            source) without Graphviz; also pdf, ps, eps, jpg, gif, ... with Graphviz. None
            writes nothing.
        Others: as Keras's `plot_model`. `show_dtype` and `layer_range` are accepted and
            ignored.

    Returns:
        A `ModelPlot`, shown inline in Jupyter (SVG, with a PNG fallback).

    Raises:
        ValueError: for an unknown file extension or rankdir.
        RuntimeError: for a format that needs Graphviz when it is not installed; the message
            says how to install it.
        ImportError: for png without Graphviz when matplotlib is missing.
    """
    graph = model_graph(model, expand_nested=expand_nested, rankdir=rankdir, dpi=dpi)
    options = dict(show_shapes=show_shapes, show_layer_names=show_layer_names,
                   show_layer_activations=show_layer_activations, show_trainable=show_trainable)
    fmt = None
    if to_file is not None:
        fmt = os.path.splitext(os.fspath(to_file))[1][1:].lower()
        if fmt not in GRAPHVIZ_FORMATS + SOURCE_FORMATS:
            raise ValueError(f"plot_model: cannot write {os.fspath(to_file)!r}: unknown format "
                             f"{fmt!r}. Use one of: png, svg, dot, pdf, ps, jpg.")
    use_graphviz = _use_graphviz()
    if fmt is not None and fmt not in OWN_FORMATS + SOURCE_FORMATS and not use_graphviz:
        why = (f"{RENDERER_VARIABLE}=kernelkit turns it off" if graphviz_available()
               else f"it is not installed; {INSTALL_GRAPHVIZ}")
        raise RuntimeError(f"plot_model: writing {fmt!r} needs Graphviz, and {why}. Without "
                           "Graphviz, kernelkit writes png, svg and dot itself: use "
                           "to_file='model.png' or 'model.svg'.")
    if use_graphviz:
        source = to_dot(graph, **options)
        # Graphviz scales SVG drawings by dpi/72 without scaling their viewBox, which crops
        # them: SVG is drawn at 72 dpi (its natural size), raster formats at `dpi`.
        svg_source = to_dot(dataclasses.replace(graph, dpi=72), **options)
        plot = ModelPlot(svg=_graphviz_render(svg_source, "svg").decode("utf-8"),
                         renderer="graphviz", make_png=lambda: _graphviz_render(source, "png"))
        if fmt in SOURCE_FORMATS:
            data = source.encode("utf-8")
        elif fmt == "svg":
            data = plot.svg.encode("utf-8")
        elif fmt == "png":
            data = plot.png
        else:
            data = _graphviz_render(source, fmt) if fmt else None
    else:
        from . import png as png_renderer
        from . import svg as svg_renderer
        from .layout import layout_graph
        layout = layout_graph(graph, **options)
        plot = ModelPlot(svg=svg_renderer.layout_to_svg(layout), renderer="kernelkit",
                         make_png=lambda: png_renderer.layout_to_png(layout, dpi=dpi))
        if fmt in SOURCE_FORMATS:
            data = to_dot(graph, **options).encode("utf-8")
        elif fmt == "svg":
            data = plot.svg.encode("utf-8")
        elif fmt == "png":
            try:
                data = plot._make_png()
            except ImportError:
                raise ImportError("plot_model: writing png without Graphviz needs matplotlib: "
                                  "`pip install kernelkit[notebook]` (or use "
                                  "to_file='model.svg', or " + INSTALL_GRAPHVIZ + ").") from None
            plot._png = data
        else:
            data = None
    if data is not None:
        with open(to_file, "wb") as f:
            f.write(data)
        plot.path = os.fspath(to_file)
    return plot
