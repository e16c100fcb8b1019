"""The model graph drawn as standalone SVG (what `plot_model` shows in a notebook).

Boxes are Keras-like: a `name: Class` title row, then with `show_shapes` an
`input:`/`output:` table of shapes, then the activation and trainable status if asked
for. Frozen layers are shaded. Edges are smooth curves with arrowheads, nested models are
dashed, labelled, rounded frames. The document carries `xmlns`, `width`, `height` and
`viewBox`, so it renders as a file in a browser and inline in Jupyter; it has no ids, so
several plots can share one page.
"""
import re
from xml.sax.saxutils import escape

from .graph import Graph
from .layout import Layout, LayoutStyle, edge_curve, layout_graph

FONT_FAMILY = "DejaVu Sans, Verdana, Helvetica, Arial, sans-serif"
NODE_FILL = "#ffffff"
FROZEN_FILL = "#e3e8f0"
STROKE = "#333333"
CLUSTER_FILL = "#f6f7fa"
CLUSTER_STROKE = "#7a7f8a"
EDGE_STROKE = "#444444"

_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value) -> str:
    """Text content or attribute value: XML-escaped, characters XML forbids removed."""
    return escape(_INVALID_XML.sub("", str(value)), {'"': "&quot;"})


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _path_data(start, segments) -> str:
    parts = [f"M{_num(start[0])},{_num(start[1])}"]
    for c1, c2, end in segments:
        parts.append(f"C{_num(c1[0])},{_num(c1[1])} {_num(c2[0])},{_num(c2[1])} "
                     f"{_num(end[0])},{_num(end[1])}")
    return " ".join(parts)


def _cell_text(x, y, text, style: LayoutStyle, bold=False):
    weight = ' font-weight="bold"' if bold else ""
    baseline = y + style.row_height / 2 + style.font_size * 0.35
    return (f'<text x="{_num(x)}" y="{_num(baseline)}" text-anchor="middle"{weight}>'
            f"{_text(text)}</text>")


def _node(box, style: LayoutStyle):
    left, top, right, _ = box.bounds
    fill = NODE_FILL if box.trainable else FROZEN_FILL
    title = box.rows[0][0] if box.rows and box.rows[0] else box.id
    out = ['<g class="node">', f"<title>{_text(title)}</title>",
           f'<rect class="node-box" x="{_num(left)}" y="{_num(top)}" '
           f'width="{_num(box.width)}" height="{_num(box.height)}" fill="{fill}" '
           f'stroke="{STROKE}" stroke-width="1"/>']
    split = left + box.column_split
    for i, row in enumerate(box.rows):
        y = top + i * style.row_height
        if i > 0:
            out.append(f'<line x1="{_num(left)}" y1="{_num(y)}" x2="{_num(right)}" '
                       f'y2="{_num(y)}" stroke="{STROKE}" stroke-width="0.6"/>')
        if len(row) == 2:
            out.append(f'<line x1="{_num(split)}" y1="{_num(y)}" x2="{_num(split)}" '
                       f'y2="{_num(y + style.row_height)}" stroke="{STROKE}" '
                       f'stroke-width="0.6"/>')
            out.append(_cell_text((left + split) / 2, y, row[0], style))
            out.append(_cell_text((split + right) / 2, y, row[1], style))
        else:
            out.append(_cell_text(box.x, y, row[0] if row else "", style, bold=(i == 0)))
    out.append("</g>")
    return out


def _edge(edge, rankdir):
    start, segments, arrow = edge_curve(edge.points, rankdir)
    corners = " ".join(f"{_num(x)},{_num(y)}" for x, y in arrow)
    return ['<g class="edge">',
            f'<path d="{_path_data(start, segments)}" fill="none" stroke="{EDGE_STROKE}" '
            f'stroke-width="1.2"/>',
            f'<polygon points="{corners}" fill="{EDGE_STROKE}" stroke="{EDGE_STROKE}" '
            f'stroke-width="1"/>',
            "</g>"]


def _cluster(frame, style: LayoutStyle):
    width, height = frame.x1 - frame.x0, frame.y1 - frame.y0
    baseline = frame.y0 + style.cluster_padding / 2 + style.cluster_label_height * 0.75
    return ['<g class="cluster">',
            f'<rect class="cluster-box" x="{_num(frame.x0)}" y="{_num(frame.y0)}" '
            f'width="{_num(width)}" height="{_num(height)}" rx="8" ry="8" '
            f'fill="{CLUSTER_FILL}" stroke="{CLUSTER_STROKE}" stroke-dasharray="6,4"/>',
            f'<text x="{_num(frame.x0 + style.cluster_padding)}" y="{_num(baseline)}" '
            f'font-size="{_num(style.cluster_font_size)}" font-style="italic">'
            f"{_text(frame.label)}</text>",
            "</g>"]


def layout_to_svg(layout: Layout) -> str:
    """Draw a finished layout as an SVG document (a string, no XML declaration)."""
    style = layout.style
    width, height = _num(layout.width), _num(layout.height)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}" '
           f'font-size="{_num(style.font_size)}">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    for frame in sorted(layout.clusters, key=lambda f: f.depth):
        out += _cluster(frame, style)
    for edge in layout.edges:
        out += _edge(edge, layout.rankdir)
    for box in layout.nodes:
        out += _node(box, style)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render(graph: Graph, show_shapes=False, show_layer_names=True, show_layer_activations=False,
           show_trainable=False, style: LayoutStyle = None) -> str:
    """Lay out `graph` and draw it as SVG; the arguments are `plot_model`'s.

    Sizes are pixels at 96 dpi; the graph's `dpi` matters for raster output only.
    """
    layout = layout_graph(graph, show_shapes, show_layer_names, show_layer_activations,
                          show_trainable, style=style)
    return layout_to_svg(layout)
