"""The layering of a graph: cycles broken, ranks assigned, long edges split by dummy nodes,
clusters padded with fillers, and the order within ranks chosen by barycenter sweeps (steps
1-4 of the layout; see `kernelkit.display.layout`)."""
from collections import defaultdict


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


class Layered:
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


__all__ = ["Layered"]
