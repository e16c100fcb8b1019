"""Positions along the ranks: difference constraints from the order, packed, then relaxed
towards each node's neighbours without breaking a constraint (step 5 of the layout; see
`kernelkit.display.layout`)."""
from collections import defaultdict

from .boxes import LayoutStyle
from .ranking import Layered, _common_prefix

INF = float("inf")


class OrderAxis:
    """Positions along the ranks, under difference constraints x[b] - x[a] >= d.

    Variables: one per item (its center), and for each cluster its low (L) and high (R)
    side. Built from the orders of all ranks; see the module docstring.
    """

    def __init__(self, layered: Layered, layers, style: LayoutStyle, pad_low, pad_high,
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


__all__ = ["OrderAxis"]
