"""Pure renderers of model structure: summary tables (text, HTML) and model graphs (DOT, SVG, PNG).

Everything here is a function of plain data — `SummaryTable`/`SummaryRow` for summaries,
`Graph`/`GraphNode`/`GraphCluster` for plots — so it knows no model class; adapters build
these structures from models. Nothing here imports IPython, ipywidgets, matplotlib or
graphviz at import time (`png` imports matplotlib when it draws).

    summary_text.render(table)        Keras 2's `model.summary()` text (print_fn per line)
    summary_text.to_string(table)     the same text as one string
    summary_html.render(table)        an HTML table for notebooks
    graph.to_dot(graph, ...)          Graphviz DOT source, like Keras's `model_to_dot`
    layout.layout_graph(graph, ...)   our own layered layout
    svg.render(graph, ...)            standalone SVG of the plot
    png.render(graph, path, ...)      PNG of the plot through matplotlib
"""
from . import graph, layout, png, summary_html, summary_text, svg
from .graph import Graph, GraphCluster, GraphNode, to_dot
from .layout import Layout, LayoutStyle, layout_graph
from .summary_text import SummaryRow, SummaryTable, format_bytes, format_shape

__all__ = [
    "Graph", "GraphCluster", "GraphNode", "Layout", "LayoutStyle", "SummaryRow", "SummaryTable",
    "format_bytes", "format_shape", "graph", "layout", "layout_graph", "png", "summary_html",
    "summary_text", "svg", "to_dot",
]
