"""Layout invariants: edges point down (TB) or right (LR), boxes never overlap, cluster
frames hold their members and nothing else, long edges bend around boxes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelkit.display.graph import Graph, GraphCluster, GraphNode
from kernelkit.display.layout import box_size, LayoutStyle, edge_curve, layout_graph, text_width

EPS = 1e-6


def overlap(a, b):
    """Whether two (left, top, right, bottom) rectangles share interior points."""
    return a[0] < b[2] - EPS and b[0] < a[2] - EPS and a[1] < b[3] - EPS and b[1] < a[3] - EPS


def contains(outer, inner):
    return (outer[0] <= inner[0] + EPS and outer[1] <= inner[1] + EPS
            and inner[2] <= outer[2] + EPS and inner[3] <= outer[3] + EPS)


def cluster_members(graph):
    """cluster id -> ids of the nodes inside it, directly or through nested clusters."""
    parent = {c.id: c.parent for c in graph.clusters}
    members = {c.id: set() for c in graph.clusters}
    for node in graph.nodes:
        c = node.cluster
        while c is not None:
            members[c].add(node.id)
            c = parent[c]
    return members


def check_invariants(graph, layout):
    boxes = {box.id: box.bounds for box in layout.nodes}
    assert set(boxes) == {node.id for node in graph.nodes}
    for box in layout.nodes:
        assert box.width > 0 and box.height > 0
    # every edge goes from its source's side to its target's, downwards or rightwards
    for edge in layout.edges:
        src, dst = boxes[edge.src], boxes[edge.dst]
        if layout.rankdir == "TB":
            assert src[3] < dst[1], (edge.src, edge.dst)
        else:
            assert src[2] < dst[0], (edge.src, edge.dst)
        first, last = edge.points[0], edge.points[-1]
        assert contains(src, (first[0], first[1], first[0], first[1]))
        assert contains(dst, (last[0], last[1], last[0], last[1]))
        # bends (dummy positions) never sit inside a box
        for x, y in edge.points[1:-1]:
            assert not any(overlap(b, (x, y, x, y)) or
                           (b[0] + EPS < x < b[2] - EPS and b[1] + EPS < y < b[3] - EPS)
                           for b in boxes.values())
    assert len(layout.edges) == len({(s, d) for s, d in graph.edges if s != d})
    # no two boxes overlap
    ids = sorted(boxes)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            assert not overlap(boxes[a], boxes[b]), (a, b)
    # cluster frames hold their members (and nested frames), and no other box
    members = cluster_members(graph)
    frames = {frame.id: frame for frame in layout.clusters}
    assert set(frames) == {c for c, m in members.items() if m}
    parent = {c.id: c.parent for c in graph.clusters}
    for cid, frame in frames.items():
        rect = (frame.x0, frame.y0, frame.x1, frame.y1)
        for node_id, bounds in boxes.items():
            if node_id in members[cid]:
                assert contains(rect, bounds), (cid, node_id)
            else:
                assert not overlap(rect, bounds), (cid, node_id)
        if parent[cid] is not None:
            outer = frames[parent[cid]]
            assert contains((outer.x0, outer.y0, outer.x1, outer.y1), rect)
    # siblings' frames are disjoint
    for a in frames.values():
        for b in frames.values():
            if a.id < b.id and parent[a.id] == parent[b.id]:
                assert not overlap((a.x0, a.y0, a.x1, a.y1), (b.x0, b.y0, b.x1, b.y1))
    # everything is on the canvas
    for bounds in list(boxes.values()) + [(f.x0, f.y0, f.x1, f.y1) for f in frames.values()]:
        assert contains((0, 0, layout.width, layout.height), bounds)


@st.composite
def random_graphs(draw):
    n = draw(st.integers(1, 22))
    n_clusters = draw(st.integers(0, 4))
    clusters = []
    for k in range(n_clusters):
        parent = draw(st.sampled_from([None] + [c.id for c in clusters]))
        clusters.append(GraphCluster(f"c{k}", f"model_{k}", parent))
    cluster_choice = st.sampled_from([None] + [c.id for c in clusters])
    nodes = [GraphNode(f"n{i}", f"layer_{i}" * draw(st.integers(1, 3)),
                       draw(st.sampled_from(["Dense", "Conv2D", "Add", "BatchNormalization"])),
                       (None, i), (None, i + 1), cluster=draw(cluster_choice))
             for i in range(n)]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=2 * n)) if pairs else []
    # the node list is shuffled so that edges do not always follow the declaration order
    order = draw(st.permutations(range(n)))
    edges = [(f"n{order[i]}", f"n{order[j]}") for i, j in chosen]
    return Graph(nodes, edges, clusters, rankdir=draw(st.sampled_from(["TB", "LR"])))


@settings(max_examples=25, deadline=None)
@given(random_graphs(), st.booleans())
def test_layout_invariants_on_random_dags(graph, show_shapes):
    check_invariants(graph, layout_graph(graph, show_shapes=show_shapes))


def resnet_like(n=60, rankdir="TB"):
    nodes = [GraphNode(str(i), f"conv_{i}", "Conv2D", (None, 8, 8, 16), (None, 8, 8, 16),
                       cluster=f"block{i // 10}" if 10 <= i < 50 else None) for i in range(n)]
    clusters = [GraphCluster(f"block{k}", f"block_{k}") for k in range(1, 5)]
    edges = [(str(i), str(i + 1)) for i in range(n - 1)]
    edges += [(str(i), str(i + 3)) for i in range(0, n - 3, 3)]
    edges += [("0", str(n - 1)), ("5", "33")]
    return Graph(nodes, edges, clusters, rankdir=rankdir)


@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_invariants_on_a_deep_model_with_skips_and_blocks(rankdir):
    graph = resnet_like(rankdir=rankdir)
    check_invariants(graph, layout_graph(graph, show_shapes=True))


def test_a_chain_is_a_straight_column():
    graph = Graph([GraphNode(c, c, "Dense") for c in "abcd"],
                  [("a", "b"), ("b", "c"), ("c", "d")])
    layout = layout_graph(graph)
    xs = {round(box.x, 6) for box in layout.nodes}
    assert len(xs) == 1
    ys = [layout.node(c).y for c in "abcd"]
    assert ys == sorted(ys)


def test_lr_puts_ranks_left_to_right():
    graph = Graph([GraphNode(c, c, "Dense") for c in "abc"], [("a", "b"), ("b", "c")],
                  rankdir="LR")
    layout = layout_graph(graph)
    xs = [layout.node(c).x for c in "abc"]
    assert xs == sorted(xs) and len({round(layout.node(c).y, 6) for c in "abc"}) == 1


def test_branches_are_untangled():
    # a -> (b1, b2) -> c, declared crosswise: the two branches should not cross
    nodes = [GraphNode(i, i, "Dense") for i in ["a", "b1", "b2", "c1", "c2"]]
    edges = [("a", "b1"), ("a", "b2"), ("b1", "c2"), ("b2", "c1")]
    layout = layout_graph(Graph(nodes, edges))
    b1, b2 = layout.node("b1").x, layout.node("b2").x
    c1, c2 = layout.node("c1").x, layout.node("c2").x
    assert (b1 < b2) == (c2 < c1)


def test_boxes_fit_their_text():
    style = LayoutStyle()
    node = GraphNode("x", "a_rather_long_layer_name", "Conv2DTranspose",
                     (None, 128, 128, 3), [(None, 256, 256, 64), (None, 256, 256, 64)])
    box = layout_graph(Graph([node]), show_shapes=True).node("x")
    header = "a_rather_long_layer_name: Conv2DTranspose"
    assert box.width >= text_width(header, style.font_size) + 2 * style.cell_padding
    assert box.width >= box.column_split + text_width(
        "[(None, 256, 256, 64), (None, 256, 256, 64)]", style.font_size)
    assert box.height == 3 * style.row_height
    assert box_size([["a"]], style)[0] == style.min_node_width


def test_cycles_and_self_loops_do_not_break_the_layout():
    nodes = [GraphNode(c, c, "Dense") for c in "abc"]
    layout = layout_graph(Graph(nodes, [("a", "b"), ("b", "c"), ("c", "a"), ("b", "b")]))
    assert len(layout.edges) == 3
    back = [e for e in layout.edges if (e.src, e.dst) == ("c", "a")][0]
    # the arrow still ends at the real target
    assert layout.node("a").bounds[1] <= back.points[-1][1] <= layout.node("a").bounds[3]


def test_empty_graph():
    layout = layout_graph(Graph())
    assert layout.nodes == [] and layout.width > 0 and layout.height > 0


def test_edge_curve_ends_in_an_arrow_along_the_rank_axis():
    start, segments, arrow = edge_curve([(10, 0), (10, 40), (50, 100)], "TB", arrow_length=9)
    assert start == (10, 0)
    assert segments[-1][2] == (50, 91)  # stops an arrow's length short of the target
    assert arrow[0] == (50, 100) and arrow[1][1] == arrow[2][1] == 91


def test_a_few_hundred_nodes_lay_out():
    graph = resnet_like(n=300)
    layout = layout_graph(graph, show_shapes=True)
    assert len(layout.nodes) == 300
