"""How a `History` shows itself: an HTML table of its last epochs, and matplotlib curves.

    history = model.fit(...)
    history          # in a notebook: the table of the last epochs (History._repr_html_)
    history.plot()   # one panel per metric, training and validation together

Both take a `History` or a plain `{name: [value per epoch]}` dict. matplotlib is imported
only by `plot_history`; the figure is made without pyplot, so in Jupyter it is shown once,
by itself, and in a script it is saved with `figure.savefig(path)`.
"""
import math
from html import escape

VAL_PREFIX = "val_"
_LOWER_IS_BETTER = ("loss", "error", "mse", "mae", "mape", "msle", "hinge", "crossentropy",
                    "divergence", "poisson", "cosine_proximity")

_TABLE = ("border-collapse: collapse; margin: 4px 0; font-size: 13px; "
          "font-variant-numeric: tabular-nums;")
_TH = "padding: 3px 10px; border-bottom: 2px solid rgba(128,128,128,0.6); text-align: right;"
_TD = "padding: 2px 10px; border-bottom: 1px solid rgba(128,128,128,0.25); text-align: right;"
_CAPTION = "caption-side: top; text-align: left; padding: 2px 0 4px 0; font-weight: 600;"
_NOTE = "padding: 2px 10px; text-align: left; opacity: 0.7; font-style: italic;"


def _series(history):
    """(epoch numbers from 1, {name: values}) of a History or a dict."""
    values = getattr(history, "history", history) or {}
    values = {k: list(v) for k, v in dict(values).items()}
    n = max((len(v) for v in values.values()), default=0)
    epochs = list(getattr(history, "epoch", None) or [])
    numbers = [e + 1 for e in epochs] if len(epochs) == n else list(range(1, n + 1))
    return numbers, values


def ordered_names(names):
    """Each metric followed by its validation twin: loss, val_loss, acc, val_acc, ..."""
    names = list(names)
    out = []
    for name in names:
        if name.startswith(VAL_PREFIX) and name[len(VAL_PREFIX):] in names:
            continue
        out.append(name)
        if VAL_PREFIX + name in names:
            out.append(VAL_PREFIX + name)
    return out


def lower_is_better(name):
    """Whether a smaller value of metric `name` is better (losses and errors)."""
    base = name[len(VAL_PREFIX):] if name.startswith(VAL_PREFIX) else name
    return base == "lr" or any(part in base for part in _LOWER_IS_BETTER)


def _format(value):
    try:
        value = float(value)
    except (TypeError, ValueError):
        return escape(str(value))
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.4f}" if abs(value) >= 1e-3 or value == 0 else f"{value:.3e}"


def _best_index(name, values):
    finite = [(v, i) for i, v in enumerate(values)
              if isinstance(v, (int, float)) and math.isfinite(v)]
    if not finite or name == "lr":
        return None
    return (min(finite) if lower_is_better(name) else max(finite))[1]


def history_html(history, last=10):
    """The last `last` epochs of a history as an HTML table; each metric's best epoch in bold.

    Arguments:
        history: a `History` (what `fit` returns) or a `{name: [values]}` dict.
        last: how many epochs to show, from the end.

    Returns:
        An HTML fragment with inline styles only.
    """
    numbers, values = _series(history)
    if not numbers or not values:
        return "<p><b>History</b>: no epoch recorded yet.</p>"
    names = ordered_names(values)
    shown = range(max(len(numbers) - int(last), 0), len(numbers))
    best = {name: _best_index(name, values[name]) for name in names}
    caption = (f"History: {len(numbers)} epoch{'s' if len(numbers) != 1 else ''}"
               + (f", the last {len(shown)} shown" if len(shown) < len(numbers) else ""))
    out = [f'<table class="kernelkit-history" style="{_TABLE}">',
           f'<caption style="{_CAPTION}">{escape(caption)}</caption>',
           "<thead><tr>" + f'<th style="{_TH}">epoch</th>'
           + "".join(f'<th style="{_TH}">{escape(n)}</th>' for n in names) + "</tr></thead>",
           "<tbody>"]
    if shown.start > 0:
        out.append(f'<tr><td style="{_NOTE}" colspan="{len(names) + 1}">'
                   f"&hellip; {shown.start} earlier epoch{'s' if shown.start != 1 else ''}"
                   "</td></tr>")
    for i in shown:
        cells = [f'<td style="{_TD}">{numbers[i]}</td>']
        for name in names:
            column = values[name]
            text = _format(column[i]) if i < len(column) else ""
            if best[name] == i:
                text = f'<b title="best">{text}</b>'
            cells.append(f'<td style="{_TD}">{text}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _groups(names, metrics):
    """`{panel: [series names]}`: a metric and its validation twin share a panel."""
    groups = {}
    for name in ordered_names(names):
        base = name[len(VAL_PREFIX):] if name.startswith(VAL_PREFIX) else name
        if metrics is None or base in metrics or name in metrics:
            groups.setdefault(base, []).append(name)
    return groups


def _draw(ax, numbers, values, names, title=None):
    from matplotlib.ticker import MaxNLocator
    for name in names:
        ys = values[name]
        label = ("validation" if name.startswith(VAL_PREFIX) else "training") \
            if title is not None else name
        ax.plot(numbers[:len(ys)], ys, marker="o" if len(ys) <= 40 else "", markersize=3,
                linewidth=1.6, label=label)
    if title is not None:
        ax.set_title(title, fontsize=10, loc="left")
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(True, alpha=0.3)
    if len(names) > 1:
        ax.legend(fontsize=8, frameon=False)


def plot_history(history, metrics=None, ax=None, max_cols=3):
    """Draw the curves of a history with matplotlib.

    Arguments:
        history: a `History` or a `{name: [values]}` dict.
        metrics: the metrics to draw (e.g. `["loss"]`); None draws all. Validation curves
            follow their metric.
        ax: draw every selected series into this Axes instead of making a figure.
        max_cols: panels per row of the figure.

    Returns:
        `ax` if given; else a new matplotlib Figure with one panel per metric, which
        displays itself in Jupyter and is saved with `savefig`.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: if the history holds no epoch, or none of `metrics`.
    """
    numbers, values = _series(history)
    if isinstance(metrics, str):
        metrics = [metrics]
    groups = _groups(values, metrics)
    if not numbers or not groups:
        wanted = f" for metrics {metrics}" if metrics else ""
        raise ValueError(f"history.plot(): nothing to plot{wanted}; the history holds "
                         f"{sorted(values) or 'no metrics'}.")
    if ax is not None:
        _draw(ax, numbers, values, [n for names in groups.values() for n in names])
        return ax
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    cols = min(len(groups), max_cols)
    rows = math.ceil(len(groups) / cols)
    figure = _history_figure_class()(figsize=(4.4 * cols, 3.2 * rows), layout="constrained")
    FigureCanvasAgg(figure)
    for i, (title, names) in enumerate(groups.items()):
        _draw(figure.add_subplot(rows, cols, i + 1), numbers, values, names, title)
    return figure


_FIGURE_CLASS = None


def _history_figure_class():
    """A matplotlib Figure that Jupyter can show without pyplot (it has `_repr_png_`)."""
    global _FIGURE_CLASS
    if _FIGURE_CLASS is None:
        from io import BytesIO

        from matplotlib.figure import Figure

        class HistoryFigure(Figure):
            """The figure of `history.plot()`; shows itself in Jupyter."""

            def _repr_png_(self):
                buffer = BytesIO()
                self.savefig(buffer, format="png", dpi=90, facecolor="white")
                return buffer.getvalue()

        _FIGURE_CLASS = HistoryFigure
    return _FIGURE_CLASS
