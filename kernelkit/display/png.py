"""The model graph drawn as PNG with matplotlib (imported only when a PNG is asked for).

It draws the same `Layout` as the SVG renderer, on an off-screen Agg canvas (pyplot and its
global figure state are not touched). Without matplotlib the functions raise ImportError;
the caller turns that into a message naming the `kernelkit[notebook]` extra.
"""
import os

from .graph import Graph
from .layout import Layout, LayoutStyle, edge_curve, layout_graph
from .svg import CLUSTER_FILL, CLUSTER_STROKE, EDGE_STROKE, FROZEN_FILL, NODE_FILL, STROKE

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_LAYOUT_DPI = 96.0  # layouts are in pixels at 96 dpi
_PT = 72.0 / _LAYOUT_DPI  # points per layout pixel


def _draw(ax, layout: Layout):
    from matplotlib.patches import FancyBboxPatch, PathPatch, Polygon, Rectangle
    from matplotlib.path import Path

    style = layout.style
    font = ["DejaVu Sans"]
    for frame in sorted(layout.clusters, key=lambda f: f.depth):
        ax.add_patch(FancyBboxPatch(
            (frame.x0, frame.y0), frame.x1 - frame.x0, frame.y1 - frame.y0,
            boxstyle="round,pad=0,rounding_size=8", facecolor=CLUSTER_FILL,
            edgecolor=CLUSTER_STROKE, linestyle=(0, (6, 4)), linewidth=1 * _PT))
        baseline = frame.y0 + style.cluster_padding / 2 + style.cluster_label_height * 0.75
        ax.text(frame.x0 + style.cluster_padding, baseline, frame.label, ha="left",
                va="baseline", fontsize=style.cluster_font_size * _PT, fontstyle="italic",
                family=font)
    for edge in layout.edges:
        start, segments, arrow = edge_curve(edge.points, layout.rankdir)
        vertices, codes = [start], [Path.MOVETO]
        for c1, c2, end in segments:
            vertices += [c1, c2, end]
            codes += [Path.CURVE4] * 3
        ax.add_patch(PathPatch(Path(vertices, codes), fill=False, edgecolor=EDGE_STROKE,
                               linewidth=1.2 * _PT))
        ax.add_patch(Polygon(arrow, closed=True, facecolor=EDGE_STROKE, edgecolor=EDGE_STROKE,
                             linewidth=1 * _PT))
    for box in layout.nodes:
        left, top, right, _ = box.bounds
        ax.add_patch(Rectangle((left, top), box.width, box.height,
                               facecolor=NODE_FILL if box.trainable else FROZEN_FILL,
                               edgecolor=STROKE, linewidth=1 * _PT))
        split = left + box.column_split
        for i, row in enumerate(box.rows):
            y = top + i * style.row_height
            middle = y + style.row_height / 2
            if i > 0:
                ax.plot([left, right], [y, y], color=STROKE, linewidth=0.6 * _PT)
            cells = [((left + split) / 2, row[0]), ((split + right) / 2, row[1])] \
                if len(row) == 2 else [(box.x, row[0] if row else "")]
            if len(row) == 2:
                ax.plot([split, split], [y, y + style.row_height], color=STROKE,
                        linewidth=0.6 * _PT)
            for x, text in cells:
                ax.text(x, middle, text, ha="center", va="center", family=font,
                        fontsize=style.font_size * _PT,
                        fontweight="bold" if i == 0 and len(row) == 1 else "normal")


def layout_to_png(layout: Layout, path=None, dpi=None) -> bytes:
    """Draw a finished layout as PNG.

    Arguments:
        layout: from `layout.layout_graph`.
        path: also write the image to this file, if given.
        dpi: resolution; defaults to the layout's (the graph's) `dpi`.

    Returns:
        The PNG file's bytes.

    Raises:
        ImportError: if matplotlib is not installed.
    """
    from io import BytesIO

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = float(dpi or layout.dpi or _LAYOUT_DPI)
    width, height = max(layout.width, 1.0), max(layout.height, 1.0)
    figure = Figure(figsize=(width / _LAYOUT_DPI, height / _LAYOUT_DPI), dpi=dpi,
                    facecolor="white")
    FigureCanvasAgg(figure)
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.set_axis_off()
    _draw(ax, layout)
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    data = buffer.getvalue()
    if path is not None:
        with open(os.fspath(path), "wb") as f:
            f.write(data)
    return data


def render(graph: Graph, path=None, show_shapes=False, show_layer_names=True,
           show_layer_activations=False, show_trainable=False, dpi=None,
           style: LayoutStyle = None) -> bytes:
    """Lay out `graph` and draw it as PNG at `dpi` (default: the graph's, 96 in Keras).

    Returns the PNG bytes, and writes them to `path` if given.

    Raises:
        ImportError: if matplotlib is not installed.
    """
    import matplotlib  # noqa: F401  (fail before the layout work)

    layout = layout_graph(graph, show_shapes, show_layer_names, show_layer_activations,
                          show_trainable, style=style)
    return layout_to_png(layout, path, dpi)
