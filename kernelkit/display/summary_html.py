"""The summary table as a self-contained HTML fragment for Jupyter.

Inline styles only (no stylesheet that would leak into the notebook, no JavaScript): nested
models fold with `<details>`/`<summary>`, frozen layers are shaded and tagged "frozen",
counts carry thousands separators and each layer shows the memory its weights take.
Colours are translucent so the table reads on light and dark notebook themes.
"""
from html import escape

from .summary_text import SummaryRow, SummaryTable, format_bytes, format_shape

_FONT = ("font-family: -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;"
         " font-size: 13px;")
_TABLE = "border-collapse: collapse; margin: 4px 0; text-align: left; width: auto;"
_TH = ("padding: 4px 10px; border-bottom: 2px solid rgba(128,128,128,0.6);"
       " font-weight: 600; white-space: nowrap;")
_TD = "padding: 3px 10px; border-bottom: 1px solid rgba(128,128,128,0.25); vertical-align: top;"
_NUM = " text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;"
_SHAPE = "font-family: SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px;"
_FROZEN_ROW = " background: rgba(110,140,190,0.12); color: rgba(110,110,110,1);"
_FROZEN_TAG = ("display: inline-block; margin-left: 6px; padding: 0 5px; border-radius: 3px;"
               " font-size: 11px; background: rgba(110,140,190,0.3);")
_CLASS = "opacity: 0.75;"
_NESTED_CELL = "padding: 2px 0 6px 18px; border-bottom: 1px solid rgba(128,128,128,0.25);"
_SUMMARY = "cursor: pointer; padding: 2px 0; font-size: 12px;"
_FOOT = "padding: 2px 10px;"


def _headers(table):
    headers = [("Layer (type)", ""), ("Output Shape", ""), ("Param #", _NUM), ("Weights", _NUM)]
    if table.is_graph:
        headers.append(("Connected to", ""))
    return headers


def _name_cell(row: SummaryRow):
    cell = (f"{escape(row.name)} <span style=\"{_CLASS}\">({escape(row.class_name)})</span>")
    if not row.trainable:
        cell += f'<span style="{_FROZEN_TAG}" title="non-trainable (frozen)">frozen</span>'
    return cell


def _param_text(params):
    return f"{params:,}" if isinstance(params, int) else escape(str(params))


def _row_html(row: SummaryRow, table: SummaryTable, expand_nested, out):
    style = _FROZEN_ROW if not row.trainable else ""
    cells = [
        (_name_cell(row), ""),
        (f'<span style="{_SHAPE}">{escape(format_shape(row.output_shape))}</span>', ""),
        (_param_text(row.params), _NUM),
        (escape(format_bytes(row.weight_bytes)), _NUM),
    ]
    if table.is_graph:
        cells.append(("<br>".join(escape(c) for c in row.connected_to), ""))
    attrs = ' title="non-trainable (frozen)"' if not row.trainable else ""
    out.append(f'<tr style="{style}"{attrs}>'
               + "".join(f'<td style="{_TD}{extra}">{text}</td>' for text, extra in cells)
               + "</tr>")
    if row.children:
        count = len(row.children)
        noun = "layer" if count == 1 else "layers"
        is_open = " open" if expand_nested else ""
        out.append(f'<tr><td colspan="{len(cells)}" style="{_NESTED_CELL}">'
                   f'<details{is_open}><summary style="{_SUMMARY}">{count} {noun} inside '
                   f'{escape(row.name)}</summary>')
        _table_html(row.children, table, expand_nested, out)
        out.append("</details></td></tr>")


def _table_html(rows, table, expand_nested, out):
    out.append(f'<table style="{_TABLE}">')
    out.append("<thead><tr>" + "".join(
        f'<th style="{_TH}{extra}">{escape(text)}</th>' for text, extra in _headers(table))
        + "</tr></thead>")
    out.append("<tbody>")
    for row in rows:
        _row_html(row, table, expand_nested, out)
    out.append("</tbody></table>")


def render(table: SummaryTable, expand_nested=False) -> str:
    """The summary as an HTML fragment (a `<div>` holding a table), safe for any names.

    Arguments:
        table: the summary to show.
        expand_nested: open nested models' rows initially (they can be folded either way).

    Returns:
        The HTML as a string; every name, class name and shape is escaped.
    """
    out = [f'<div class="kernelkit-summary" style="{_FONT}">',
           f'<div style="font-weight: 600; margin-bottom: 2px;">Model: '
           f'&quot;{escape(table.name)}&quot;</div>']
    _table_html(table.rows, table, expand_nested, out)
    total, trainable, non_trainable = table.param_totals()
    total_b, trainable_b, non_trainable_b = table.byte_totals()
    out.append(f'<table style="{_TABLE}"><tbody>')
    for label, count, nbytes in (("Total params", total, total_b),
                                 ("Trainable params", trainable, trainable_b),
                                 ("Non-trainable params", non_trainable, non_trainable_b)):
        memory = f" ({escape(format_bytes(nbytes))})" if nbytes is not None else ""
        out.append(f'<tr><td style="{_FOOT}">{label}:</td>'
                   f'<td style="{_FOOT}{_NUM}">{count:,}{memory}</td></tr>')
    out.append("</tbody></table></div>")
    return "\n".join(out)
