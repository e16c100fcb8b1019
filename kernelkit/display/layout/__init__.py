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

The steps live in modules named for what they hold: `boxes` (the layout's parts, sizes and
text metrics), `ranking` (steps 1-4), `coordinates` (step 5), `assembly` (step 6 and
`layout_graph`), `edges` (edge curves for the renderers).
"""
from .assembly import layout_graph
from .boxes import (ClusterBox, EdgePath, Layout, LayoutStyle, NodeBox, box_size,
                    text_width)
from .edges import ARROW_LENGTH, edge_curve

__all__ = ["layout_graph", "Layout", "LayoutStyle", "NodeBox", "EdgePath", "ClusterBox",
           "text_width", "box_size", "edge_curve", "ARROW_LENGTH"]
