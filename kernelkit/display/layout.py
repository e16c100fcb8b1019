"""A layered (Sugiyama-style) layout of a model graph, in pure Python.

`layout_graph(graph)` places every node box, routes every edge and frames every cluster, so
the SVG and PNG renderers only draw. The steps:

1. Cycles (there should be none) are broken by reversing back edges of a depth-first search.
2. Ranks: longest path from the sources, then each source moves down next to its first
   consumer (an auxiliary input sits beside the layer it feeds rather than at the top).
3. Edges spanning several ranks get a dummy node on each rank in between, so every edge
   joins adjacent ranks and long edges are routed around boxes. A cluster is given an
   empty "filler" on every rank of its span where it has nothing, so other nodes stay out.
4. Order within ranks: barycenter sweeps down and up, keeping the ordering with the fewest
   crossings. The members of a cluster stay together on every rank, and sibling clusters
   keep one left-to-right order on all ranks, so cluster boxes never overlap.
5. Coordinates along a rank: the left-to-right order, node widths, gaps and cluster
   paddings make difference constraints (`x_b - x_a >= d`); the packed solution is then
   relaxed node by node, and cluster by cluster as blocks, towards the weighted mean of
   each node's neighbours (chains of dummies pull hardest, to keep long edges straight),
   without ever breaking a constraint.
6. Coordinates across ranks: ranks are stacked with room for the cluster frames and labels
   that begin or end between them.

The algorithm works along an abstract "rank axis" and "order axis"; "TB" maps them to
y and x, "LR" to x and y. Coordinates are pixels at 96 dpi, y pointing down.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from .graph import Graph, label_rows

INF = float("inf")


@dataclass(frozen=True)
class LayoutStyle:
    """Sizes used by the layout (pixels)."""

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
    """Everything a renderer needs: placed boxes, routed edges, cluster frames, canvas size."""

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


# --------------------------------------------------------------------------- the layering


def _break_cycles(n, edges):
    """Edges (u, v) oriented so the graph is acyclic; returns (oriented edges, reversed flags)."""
    out = defaultdict(list)
    for i, (u, v) in enumerate(edges):
        out[u].append((v, i))
    state = [0] * n  # 0 new, 1 on stack, 2 done
    flipped = [False] * len(edges)
    for root in range(n):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(out[root]))]
        while stack:
            node, it = stack[-1]
            advanced = False
            for v, i in it:
                if state[v] == 1:
                    flipped[i] = True
                elif state[v] == 0:
                    state[v] = 1
                    stack.append((v, iter(out[v])))
                    advanced = True
                    break
            if not advanced:
                state[node] = 2
                stack.pop()
    oriented = [(v, u) if f else (u, v) for (u, v), f in zip(edges, flipped)]
    return oriented, flipped


def _assign_ranks(n, edges):
    succ = defaultdict(list)
    indegree = [0] * n
    for u, v in edges:
        succ[u].append(v)
        indegree[v] += 1
    order = [v for v in range(n) if indegree[v] == 0]
    remaining = indegree[:]
    i = 0
    while i < len(order):
        u = order[i]
        i += 1
        for v in succ[u]:
            remaining[v] -= 1
            if remaining[v] == 0:
                order.append(v)
    rank = [0] * n
    for u in order:
        for v in succ[u]:
            rank[v] = max(rank[v], rank[u] + 1)
    for u in range(n):
        if indegree[u] == 0 and succ[u]:
            rank[u] = min(rank[v] for v in succ[u]) - 1
    return rank


def _common_prefix(a, b):
    k = 0
    while k < len(a) and k < len(b) and a[k] == b[k]:
        k += 1
    return a[:k]


class _Layered:
    """The layered graph of one layout: real nodes, dummies and fillers on ranks."""

    def __init__(self, sizes, edges, paths, cluster_paths):
        # sizes[v] = (extent along the order axis, extent along the rank axis) of real node v
        n = len(sizes)
        self.n_real = n
        self.cluster_paths = cluster_paths
        self.cluster_ordinal = {c: i for i, c in enumerate(cluster_paths)}
        oriented, _ = _break_cycles(n, edges)
        rank = _assign_ranks(n, oriented)
        self.rank = list(rank)
        self.path = list(paths)
        self.order_size = [s[0] for s in sizes]
        self.rank_size = [s[1] for s in sizes]
        self.kind = ["node"] * n
        self.up = [[] for _ in range(n)]
        self.down = [[] for _ in range(n)]
        self.chains = {}
        for u, v in dict.fromkeys(oriented):
            chain = [u]
            shared = _common_prefix(paths[u], paths[v])
            for r in range(rank[u] + 1, rank[v]):
                chain.append(self._add_item(r, shared, "dummy"))
            chain.append(v)
            for a, b in zip(chain, chain[1:]):
                self.down[a].append(b)
                self.up[b].append(a)
            self.chains[(u, v)] = chain
        self._add_fillers()
        self.n_ranks = max(self.rank) + 1 if self.rank else 0

    def _add_item(self, r, path, kind):
        self.rank.append(r)
        self.path.append(path)
        self.order_size.append(0.0)
        self.rank_size.append(0.0)
        self.kind.append(kind)
        self.up.append([])
        self.down.append([])
        return len(self.rank) - 1

    def _add_fillers(self):
        present = defaultdict(set)
        for v in range(len(self.rank)):
            for c in self.path[v]:
                present[c].add(self.rank[v])
        self.cluster_span = {}
        for c, ranks in present.items():
            lo, hi = min(ranks), max(ranks)
            self.cluster_span[c] = (lo, hi)
            for r in range(lo, hi + 1):
                if r not in ranks:
                    self._add_item(r, self.cluster_paths[c], "filler")

    # ----------------------------------------------------------------------- ordering

    def initial_order(self):
        layers = [[] for _ in range(self.n_ranks)]
        seen = [False] * len(self.rank)
        for root in range(len(self.rank)):
            if seen[root] or self.up[root]:
                continue
            seen[root] = True
            stack = [root]
            while stack:
                v = stack.pop()
                layers[self.rank[v]].append(v)
                for w in reversed(self.down[v]):
                    if not seen[w]:
                        seen[w] = True
                        stack.append(w)
        for v in range(len(self.rank)):
            if not seen[v]:
                layers[self.rank[v]].append(v)
        pos = self._positions(layers)
        keys = self._cluster_keys(pos)
        return [self._group_sort(layer, 0, pos, keys) for layer in layers]

    @staticmethod
    def _positions(layers):
        pos = {}
        for layer in layers:
            for i, v in enumerate(layer):
                pos[v] = (i + 0.5) / len(layer)
        return pos

    def _cluster_keys(self, pos, both_sides=False):
        totals = defaultdict(float)
        counts = defaultdict(int)
        for v, p in pos.items():
            if not self.path[v]:
                continue
            if both_sides:
                neighbours = self.up[v] + self.down[v]
                if neighbours:
                    p = sum(pos[u] for u in neighbours) / len(neighbours)
            for c in self.path[v]:
                totals[c] += p
                counts[c] += 1
        return {c: totals[c] / counts[c] for c in totals}

    def _group_sort(self, items, depth, key, cluster_key):
        # Members of one cluster stay contiguous; sibling clusters sort by a key shared by
        # all ranks (their ordinal breaks ties), so they keep one order on every rank.
        elements = []
        groups = {}
        for index, v in enumerate(items):
            path = self.path[v]
            if len(path) == depth:
                elements.append((key[v], index, [v]))
            else:
                groups.setdefault(path[depth], []).append(v)
        for c, members in groups.items():
            inner = self._group_sort(members, depth + 1, key, cluster_key)
            elements.append((cluster_key[c], self.cluster_ordinal[c], inner))
        elements.sort(key=lambda e: (e[0], e[1]))
        return [v for e in elements for v in e[2]]

    def crossings(self, layers):
        total = 0
        for upper, lower in zip(layers, layers[1:]):
            index = {v: i for i, v in enumerate(lower)}
            targets = []
            for v in upper:
                targets.extend(sorted(index[w] for w in self.down[v]))
            total += _count_inversions(targets, len(lower))
        return total

    def order(self, sweeps=8):
        layers = self.initial_order()
        best, best_crossings = [list(layer) for layer in layers], self.crossings(layers)
        for sweep in range(sweeps):
            if best_crossings == 0:
                break
            downward = sweep % 2 == 0
            pos = self._positions(layers)
            keys = self._cluster_keys(pos, both_sides=True)
            # every rank is re-sorted, the first one by its own positions, so that all
            # ranks order sibling clusters by this sweep's keys
            ranks = range(self.n_ranks) if downward else range(self.n_ranks - 1, -1, -1)
            for r in ranks:
                key = {}
                for v in layers[r]:
                    fixed = self.up[v] if downward else self.down[v]
                    key[v] = (sum(pos[u] for u in fixed) / len(fixed)) if fixed else pos[v]
                layers[r] = self._group_sort(layers[r], 0, key, keys)
                for i, v in enumerate(layers[r]):
                    pos[v] = (i + 0.5) / len(layers[r])
            count = self.crossings(layers)
            if count < best_crossings:
                best, best_crossings = [list(layer) for layer in layers], count
        return best


def _count_inversions(seq, size):
    """Pairs i < j with seq[i] > seq[j] (a Fenwick tree over values 0..size-1)."""
    tree = [0] * (size + 1)
    inversions = 0
    for seen, value in enumerate(seq):
        i = value + 1
        not_greater = 0
        while i > 0:
            not_greater += tree[i]
            i -= i & -i
        inversions += seen - not_greater
        i = value + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return inversions


# --------------------------------------------------------------------------- coordinates


class _OrderAxis:
    """Positions along the ranks, under difference constraints x[b] - x[a] >= d.

    Variables: one per item (its center), and for each cluster its low (L) and high (R)
    side. Built from the orders of all ranks; see the module docstring.
    """

    def __init__(self, layered: _Layered, layers, style: LayoutStyle, pad_low, pad_high,
                 cluster_min_extent, use_clusters=True):
        self.layered = layered
        self.layers = layers
        clusters = sorted(layered.cluster_span) if use_clusters else []
        self.clusters = clusters
        n_items = len(layered.rank)
        self.var_low = {c: n_items + 2 * i for i, c in enumerate(clusters)}
        self.var_high = {c: n_items + 2 * i + 1 for i, c in enumerate(clusters)}
        self.n_vars = n_items + 2 * len(clusters)
        self.half = [s / 2 for s in layered.order_size]
        self.constraints = {}
        for c in clusters:
            self._require(self.var_low[c], self.var_high[c], cluster_min_extent.get(c, 0.0))
        for layer in layers:
            self._constrain_layer(layer, style, pad_low, pad_high, use_clusters)

    def _require(self, a, b, d):
        if self.constraints.get((a, b), -INF) < d:
            self.constraints[(a, b)] = d

    def _gap(self, a, b, style):
        real = self.layered.kind
        if real[a] == "node" and real[b] == "node":
            return style.node_gap
        return style.node_gap / 2

    def _constrain_layer(self, layer, style, pad_low, pad_high, use_clusters):
        paths = self.layered.path if use_clusters else [()] * len(self.layered.path)
        prev = None
        for v in layer:
            path = paths[v]
            if prev is None:
                self._open(path, 0, v, pad_low)
            else:
                prev_path = paths[prev]
                k = len(_common_prefix(prev_path, path))
                self._close(prev_path, k, prev, pad_high)
                # the elements side by side at depth k: a cluster side or a node's side
                if len(prev_path) > k:
                    a, offset_a = self.var_high[prev_path[k]], 0.0
                else:
                    a, offset_a = prev, self.half[prev]
                if len(path) > k:
                    b, offset_b = self.var_low[path[k]], 0.0
                else:
                    b, offset_b = v, self.half[v]
                gap = style.node_gap if (len(prev_path) > k or len(path) > k) else \
                    self._gap(prev, v, style)
                self._require(a, b, offset_a + gap + offset_b)
                self._open(path, k, v, pad_low)
            prev = v
        if prev is not None:
            self._close(paths[prev], 0, prev, pad_high)

    def _open(self, path, k, v, pad_low):
        # clusters path[k:] begin at item v: each contains the next, the innermost holds v
        for j in range(k, len(path) - 1):
            self._require(self.var_low[path[j]], self.var_low[path[j + 1]], pad_low)
        if len(path) > k:
            self._require(self.var_low[path[-1]], v, pad_low + self.half[v])

    def _close(self, path, k, v, pad_high):
        for j in range(k, len(path) - 1):
            self._require(self.var_high[path[j + 1]], self.var_high[path[j]], pad_high)
        if len(path) > k:
            self._require(v, self.var_high[path[-1]], pad_high + self.half[v])

    def solve(self, passes=12):
        """Feasible positions, relaxed towards neighbours; None if the constraints cycle."""
        self.incoming = [[] for _ in range(self.n_vars)]
        self.outgoing = [[] for _ in range(self.n_vars)]
        indegree = [0] * self.n_vars
        for (a, b), d in self.constraints.items():
            self.outgoing[a].append((b, d))
            self.incoming[b].append((a, d))
            indegree[b] += 1
        order = [v for v in range(self.n_vars) if indegree[v] == 0]
        i = 0
        while i < len(order):
            for b, _ in self.outgoing[order[i]]:
                indegree[b] -= 1
                if indegree[b] == 0:
                    order.append(b)
            i += 1
        if len(order) < self.n_vars:
            return None
        x = [0.0] * self.n_vars
        for v in order:
            if self.incoming[v]:
                x[v] = max(x[a] + d for a, d in self.incoming[v])
        self.x = x
        self._prepare_clusters()
        for p in range(passes):
            layers = self.layers if p % 2 == 0 else self.layers[::-1]
            for layer in layers:
                self._relax_layer(layer)
            self._tighten_clusters()
            for c in self._innermost_first:
                self._shift_cluster(c)
            self._tighten_clusters()
        return x

    def _weight(self, a, b):
        kind = self.layered.kind
        dummies = (kind[a] == "dummy") + (kind[b] == "dummy")
        return (1.0, 2.0, 8.0)[dummies]

    def _target(self, v):
        layered, x = self.layered, self.x
        total = weight_sum = 0.0
        for u in layered.up[v] + layered.down[v]:
            w = self._weight(u, v)
            total += w * x[u]
            weight_sum += w
        return total / weight_sum if weight_sum else x[v]

    def _bounds(self, v):
        x = self.x
        low = max((x[a] + d for a, d in self.incoming[v]), default=-INF)
        high = min((x[b] - d for b, d in self.outgoing[v]), default=INF)
        return low, high

    def _relax_layer(self, layer):
        targets = {v: self._target(v) for v in layer}
        # move right from the right end first, left from the left end first, so that a
        # packed row can shift as a whole within one pass
        for v in reversed(layer):
            if targets[v] > self.x[v]:
                self.x[v] = min(targets[v], self._bounds(v)[1])
        for v in layer:
            if targets[v] < self.x[v]:
                self.x[v] = max(targets[v], self._bounds(v)[0])

    def _prepare_clusters(self):
        layered = self.layered
        depth = {c: len(layered.cluster_paths[c]) for c in self.clusters}
        self._innermost_first = sorted(self.clusters, key=lambda c: -depth[c])
        self._items_in = defaultdict(list)
        self._clusters_in = defaultdict(list)
        for v in range(len(layered.rank)):
            for c in layered.path[v]:
                self._items_in[c].append(v)
        for c in self.clusters:
            for ancestor in layered.cluster_paths[c]:
                self._clusters_in[ancestor].append(c)  # includes c itself

    def _tighten_clusters(self):
        x = self.x
        for c in self._innermost_first:
            low, high = self.var_low[c], self.var_high[c]
            bound = self._bounds(low)[1]
            if bound < INF:
                x[low] = bound
            bound = self._bounds(high)[0]
            if bound > -INF:
                x[high] = bound

    def _shift_cluster(self, c):
        layered, x = self.layered, self.x
        members = self._items_in[c]
        inside = set(members)
        pull = weight_sum = 0.0
        for v in members:
            for u in layered.up[v] + layered.down[v]:
                if u not in inside:
                    w = self._weight(u, v)
                    pull += w * (x[u] - x[v])
                    weight_sum += w
        if not weight_sum:
            return
        delta = pull / weight_sum
        low, high = self.var_low[c], self.var_high[c]
        delta = max(delta, self._bounds(low)[0] - x[low])
        delta = min(delta, self._bounds(high)[1] - x[high])
        if abs(delta) < 1e-9:
            return
        for v in members:
            x[v] += delta
        for inner in self._clusters_in[c]:
            x[self.var_low[inner]] += delta
            x[self.var_high[inner]] += delta


# --------------------------------------------------------------------------- assembly


def _cluster_bands(layered: _Layered, starting: bool):
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

    layered = _Layered(sizes, edges, paths, cluster_paths)
    layers = layered.order(sweeps) if ids else []

    # Cluster labels sit in a band at the top of the frame: across the ranks for TB (and
    # the frame must be as wide as its label), along them for LR.
    band = style.cluster_padding + style.cluster_label_height
    pad = style.cluster_padding
    label_widths = {c: text_width(labels.get(c, ""), style.cluster_font_size) + 2 * pad
                    for c in cluster_paths}
    order_axis = _OrderAxis(layered, layers, style, pad if tb else band, pad,
                            label_widths if tb else {})
    x = order_axis.solve(passes) if ids else []
    if x is None:  # cluster orders conflict between ranks; should not happen
        order_axis = _OrderAxis(layered, layers, style, pad, pad, {}, use_clusters=False)
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


# --------------------------------------------------------------------------- edge geometry

ARROW_LENGTH = 9.0


def edge_curve(points, rankdir="TB", arrow_length=ARROW_LENGTH):
    """Smooth an edge's points into cubic Bezier segments, ending an arrow's length short.

    Each segment leaves and arrives along the rank axis, so edges come out of and go into
    boxes straight.

    Returns:
        (start, segments, arrow): `segments` is a list of (control1, control2, end) points
        and `arrow` the three corners of the arrowhead (tip first).
    """
    points = [tuple(p) for p in points]
    tip = points[-1]
    along = 1 if rankdir == "TB" else 0
    # the last stretch runs along the rank axis; find which way
    direction = tip[along] - points[-2][along] if len(points) > 1 else 1.0
    sign = 1.0 if direction >= 0 else -1.0
    length = min(arrow_length, abs(direction)) if len(points) > 1 else arrow_length
    base = list(tip)
    base[along] -= sign * length
    points[-1] = tuple(base)
    segments = []
    for p0, p1 in zip(points, points[1:]):
        middle = (p0[along] + p1[along]) / 2
        c1, c2 = list(p0), list(p1)
        c1[along] = middle
        c2[along] = middle
        segments.append((tuple(c1), tuple(c2), p1))
    half = arrow_length * 0.4
    across = 1 - along
    left, right = list(base), list(base)
    left[across] -= half
    right[across] += half
    return points[0], segments, [tip, tuple(left), tuple(right)]
