"""`layout_graph`: the steps put together, ranks stacked with room for cluster frames and
labels (step 6), node boxes, edge paths and cluster frames made and moved to the margin."""
from collections import defaultdict
from typing import Optional

from ..graph import Graph, label_rows
from .boxes import (ClusterBox, EdgePath, Layout, LayoutStyle, NodeBox, box_size,
                    text_width)
from .coordinates import OrderAxis
from .ranking import Layered


def _cluster_bands(layered: Layered, starting: bool):
    """For each cluster, how many frames (itself and nested ones) begin (or end) with it on
    its first (or last) rank; and for each rank the most frames beginning (ending) there."""
    cluster_paths = layered.cluster_paths
    span = layered.cluster_span
    edge = 0 if starting else 1
    children = defaultdict(list)
    for c in span:
        parent_path = cluster_paths[c][:-1]
        if parent_path:
            children[parent_path[-1]].append(c)
    bands = {}

    def count(c):
        if c not in bands:
            same = [count(d) for d in children[c] if span[d][edge] == span[c][edge]]
            bands[c] = 1 + max(same, default=0)
        return bands[c]

    per_rank = defaultdict(int)
    for c in span:
        per_rank[span[c][edge]] = max(per_rank[span[c][edge]], count(c))
    return bands, per_rank


def layout_graph(graph: Graph, show_shapes=False, show_layer_names=True,
                 show_layer_activations=False, show_trainable=False,
                 style: Optional[LayoutStyle] = None, sweeps=8, passes=12) -> Layout:
    """Place the nodes, edges and clusters of `graph` (see the module docstring).

    Arguments:
        graph: the graph; its `rankdir` and `dpi` are carried into the layout.
        show_shapes, show_layer_names, show_layer_activations, show_trainable: what the
            node boxes show (as in `plot_model`); box sizes follow from their text.
        style: sizes and gaps; `LayoutStyle()` by default.
        sweeps: barycenter sweeps (alternately down and up) for crossing reduction.
        passes: relaxation passes of the coordinate assignment.

    Returns:
        A `Layout` in pixels, with a margin around everything. Repeated edges are routed
        once; self-loops are not drawn.

    Raises:
        ValueError: if the graph's references are inconsistent (see `Graph.validate`).
    """
    graph.validate()
    style = style or LayoutStyle()
    tb = graph.rankdir == "TB"
    ids = [str(node.id) for node in graph.nodes]
    index = {node_id: i for i, node_id in enumerate(ids)}
    cluster_paths = {c: p for c, p in graph.cluster_paths().items() if c is not None}
    labels = {c.id: c.label for c in graph.clusters}

    boxes, sizes = [], []
    for node in graph.nodes:
        rows = label_rows(node, show_shapes, show_layer_names, show_layer_activations,
                          show_trainable)
        width, height, split = box_size(rows, style)
        boxes.append(NodeBox(str(node.id), 0.0, 0.0, width, height, rows, split,
                             bool(node.trainable)))
        sizes.append((width, height) if tb else (height, width))
    edges = [(index[s], index[d]) for s, d in graph.unique_edges() if s != d]
    paths = [cluster_paths[node.cluster] if node.cluster is not None else ()
             for node in graph.nodes]

    layered = Layered(sizes, edges, paths, cluster_paths)
    layers = layered.order(sweeps) if ids else []

    # Cluster labels sit in a band at the top of the frame: across the ranks for TB (and
    # the frame must be as wide as its label), along them for LR.
    band = style.cluster_padding + style.cluster_label_height
    pad = style.cluster_padding
    label_widths = {c: text_width(labels.get(c, ""), style.cluster_font_size) + 2 * pad
                    for c in cluster_paths}
    order_axis = OrderAxis(layered, layers, style, pad if tb else band, pad,
                            label_widths if tb else {})
    x = order_axis.solve(passes) if ids else []
    if x is None:  # cluster orders conflict between ranks; should not happen
        order_axis = OrderAxis(layered, layers, style, pad, pad, {}, use_clusters=False)
        x = order_axis.solve(passes)
        layered.cluster_span = {}

    # ranks along the rank axis
    starts, start_bands = _cluster_bands(layered, starting=True)
    ends, end_bands = _cluster_bands(layered, starting=False)
    before = band if tb else pad
    extent = [0.0] * layered.n_ranks
    for v in range(layered.n_real):
        extent[layered.rank[v]] = max(extent[layered.rank[v]], layered.rank_size[v])
    top = [0.0] * layered.n_ranks
    position = 0.0
    for r in range(layered.n_ranks):
        position += start_bands.get(r, 0) * before
        top[r] = position
        position += extent[r] + end_bands.get(r, 0) * pad + style.rank_gap
    center = [top[r] + extent[r] / 2 for r in range(layered.n_ranks)]

    def to_xy(order_coord, rank_coord):
        return (order_coord, rank_coord) if tb else (rank_coord, order_coord)

    for v, box in enumerate(boxes):
        box.x, box.y = to_xy(x[v], center[layered.rank[v]])

    edge_paths = []
    for s, d in graph.unique_edges():
        if s == d:
            continue
        u, v = index[s], index[d]
        key = (v, u) if (u, v) not in layered.chains else (u, v)
        chain = layered.chains[key]
        first, last = chain[0], chain[-1]
        points = [(x[first], center[layered.rank[first]] + layered.rank_size[first] / 2)]
        for w in chain[1:-1]:
            r = layered.rank[w]
            points.append((x[w], top[r]))
            if extent[r] > 0:
                points.append((x[w], top[r] + extent[r]))
        points.append((x[last], center[layered.rank[last]] - layered.rank_size[last] / 2))
        if key != (u, v):
            points.reverse()
        edge_paths.append(EdgePath(s, d, [to_xy(o, r) for o, r in points]))

    frames = []
    for c in sorted(layered.cluster_span, key=lambda c: len(cluster_paths[c])):
        r0, r1 = layered.cluster_span[c]
        low = x[order_axis.var_low[c]]
        high = x[order_axis.var_high[c]]
        rank_low = top[r0] - starts[c] * before
        rank_high = top[r1] + extent[r1] + ends[c] * pad
        (x0, y0), (x1, y1) = to_xy(low, rank_low), to_xy(high, rank_high)
        frames.append(ClusterBox(c, labels.get(c, ""), x0, y0, x1, y1, len(cluster_paths[c])))

    layout = Layout(boxes, edge_paths, frames, rankdir=graph.rankdir, dpi=graph.dpi, style=style)
    _translate_to_margin(layout, style.margin)
    return layout


def _translate_to_margin(layout: Layout, margin: float):
    lefts = [b.bounds[0] for b in layout.nodes] + [c.x0 for c in layout.clusters]
    tops = [b.bounds[1] for b in layout.nodes] + [c.y0 for c in layout.clusters]
    rights = [b.bounds[2] for b in layout.nodes] + [c.x1 for c in layout.clusters]
    bottoms = [b.bounds[3] for b in layout.nodes] + [c.y1 for c in layout.clusters]
    for edge in layout.edges:
        lefts += [p[0] for p in edge.points]
        rights += [p[0] for p in edge.points]
        tops += [p[1] for p in edge.points]
        bottoms += [p[1] for p in edge.points]
    if not lefts:
        layout.width = layout.height = 2 * margin
        return
    dx, dy = margin - min(lefts), margin - min(tops)
    for box in layout.nodes:
        box.x += dx
        box.y += dy
    for edge in layout.edges:
        edge.points = [(px + dx, py + dy) for px, py in edge.points]
    for frame in layout.clusters:
        frame.x0 += dx
        frame.x1 += dx
        frame.y0 += dy
        frame.y1 += dy
    layout.width = max(rights) + dx + margin
    layout.height = max(bottoms) + dy + margin


__all__ = ["layout_graph"]
