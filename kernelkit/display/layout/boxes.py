"""What a layout is made of, and how big a box is: the `Layout` with its `NodeBox`es,
`EdgePath`s and `ClusterBox`es, the `LayoutStyle` sizes, and text metrics (`text_width`,
`box_size`) estimated without a font file."""
from dataclasses import dataclass, field
from typing import List, Tuple

@dataclass(frozen=True)
class LayoutStyle:
    """Sizes used by the layout and its renderers, in pixels (fonts in pixels too).

    Arguments:
        font_size: the text size of node rows.
        row_height: the height of one row of text in a node.
        cell_padding: the space left and right of the text in a node's cell.
        node_gap: the space between neighbouring nodes of one rank.
        rank_gap: the space between two ranks.
        cluster_padding: the space between a nested model's frame and what it holds.
        cluster_label_height: the height of the band for a nested model's name.
        cluster_font_size: the text size of that name.
        margin: the space around the whole drawing.
        min_node_width: the narrowest a node box may be.
    """

    font_size: float = 13.0
    row_height: float = 21.0
    cell_padding: float = 8.0
    node_gap: float = 24.0
    rank_gap: float = 36.0
    cluster_padding: float = 12.0
    cluster_label_height: float = 18.0
    cluster_font_size: float = 12.0
    margin: float = 12.0
    min_node_width: float = 60.0


@dataclass
class NodeBox:
    """A placed node: center, size, and the rows of text to draw in it."""

    id: str
    x: float
    y: float
    width: float
    height: float
    rows: List[List[str]]
    column_split: float = 0.0  # from the left side: where two-cell rows divide
    trainable: bool = True

    @property
    def bounds(self) -> Tuple[float, float, float, float]:
        """(left, top, right, bottom)."""
        return (self.x - self.width / 2, self.y - self.height / 2,
                self.x + self.width / 2, self.y + self.height / 2)


@dataclass
class EdgePath:
    """A routed edge: points from the source box's side to the target box's side."""

    src: str
    dst: str
    points: List[Tuple[float, float]]


@dataclass
class ClusterBox:
    """A placed cluster frame; `depth` is 1 for a top-level cluster."""

    id: str
    label: str
    x0: float
    y0: float
    x1: float
    y1: float
    depth: int = 1


@dataclass
class Layout:
    """Everything a renderer needs: placed boxes, routed edges, cluster frames, canvas size.

    Made by `layout_graph`; `svg` and `png` draw it.

    Arguments:
        nodes: the placed node boxes (`NodeBox`: centre, size, rows of text).
        edges: the routed edges (`EdgePath`: source, destination, points of the curve).
        clusters: the frames of nested models (`ClusterBox`).
        width: the canvas width.
        height: the canvas height.
        rankdir: "TB" (top to bottom) or "LR" (left to right), the graph's direction.
        dpi: the resolution the PNG renderer uses.
        style: the `LayoutStyle` the sizes came from.
    """

    nodes: List[NodeBox] = field(default_factory=list)
    edges: List[EdgePath] = field(default_factory=list)
    clusters: List[ClusterBox] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0
    rankdir: str = "TB"
    dpi: int = 96
    style: LayoutStyle = field(default_factory=LayoutStyle)

    def node(self, node_id) -> NodeBox:
        for box in self.nodes:
            if box.id == str(node_id):
                return box
        raise KeyError(node_id)


# --------------------------------------------------------------------------- text metrics

_NARROW = set("il.,:;|!'()[]{}` ")
_WIDE = set("mwMW@%")


def text_width(text: str, font_size: float) -> float:
    """An estimate of the width of `text` in a sans-serif font, erring wide.

    Tuned on DejaVu Sans (matplotlib's default, and wider than Arial or Helvetica), so
    text fits its box whichever of these the viewer has.
    """
    em = 0.0
    for ch in text:
        if ch in _NARROW:
            em += 0.36
        elif ch in _WIDE:
            em += 0.92
        elif ch.isupper() or ch.isdigit():
            em += 0.7
        else:
            em += 0.62
    return em * font_size


def box_size(rows: List[List[str]], style: LayoutStyle) -> Tuple[float, float, float]:
    """(width, height, column split) of a node box holding `rows`."""
    pad = style.cell_padding
    split = 0.0
    two_cell = [row for row in rows if len(row) == 2]
    if two_cell:
        split = max(text_width(r[0], style.font_size) for r in two_cell) + 2 * pad
    width = style.min_node_width
    for row in rows:
        if len(row) == 2:
            width = max(width, split + text_width(row[1], style.font_size) + 2 * pad)
        else:
            width = max(width, text_width(row[0], style.font_size) + 2 * pad)
    return width, style.row_height * len(rows), split



__all__ = ["LayoutStyle", "NodeBox", "EdgePath", "ClusterBox", "Layout", "text_width",
           "box_size"]
