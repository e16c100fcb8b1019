"""The summary table as plain data, and its Keras 2 text rendering (`model.summary()`).

`SummaryRow` and `SummaryTable` are the input of both summary renderers (this module and
`summary_html`); they hold plain values, so an adapter can build them from any model.

The text follows Keras 2's `print_summary` as Keras 2.3 to 2.6 (and tf.keras up to
TF 2.6) print it (Keras 2.0 to 2.2 print the same without the title): a `Model: "name"`
title, columns ending at `positions`, rows separated by `_` lines, totals with thousands
separators, each further "Connected to" entry on a line of its own. Cells that do not fit their column are cut, as those versions do. `overflow="wrap"`
continues them on extra lines instead, breaking after `),` `],` `},` `',` when one falls
inside the column, as Keras 2.7+ wraps (those versions also changed the row separators and
indentation; the layout here stays the classic one).
"""
import shutil
import sys
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple, Union

Shape = Union[str, tuple, list, None]

SEQUENTIAL_LINE_LENGTH = 65
GRAPH_LINE_LENGTH = 98
SEQUENTIAL_POSITIONS = (0.45, 0.85, 1.0)
GRAPH_POSITIONS = (0.33, 0.55, 0.67, 1.0)
MIN_TERMINAL_LINE_LENGTH = 40
TRAINABLE_COLUMN_WIDTH = 11


@dataclass
class SummaryRow:
    """One layer of the summary.

    Arguments:
        name: the layer's name (`"dense_1"`).
        class_name: the layer's class name (`"Dense"`).
        output_shape: a preformatted string (`"multiple"`), one shape as a tuple
            (`(None, 50)`), or a list of shapes (`[(None, 784)]`, as Keras shows inputs).
        params: the layer's parameter count, or a string shown as is (`"0 (unused)"`).
        connected_to: inbound connections as Keras writes them (`"input_1[0][0]"`); shown
            only for graph models, one per line.
        trainable: False for a frozen layer.
        depth: nesting depth, 0 for the model's own layers (children are one deeper);
            informational, the renderers nest by `children`.
        children: the rows of a nested model's layers, shown when nested rows are expanded.
        weight_bytes: memory taken by the layer's weights in bytes, or None if unknown.
    """

    name: str
    class_name: str
    output_shape: Shape = None
    params: Union[int, str] = 0
    connected_to: List[str] = field(default_factory=list)
    trainable: bool = True
    depth: int = 0
    children: List["SummaryRow"] = field(default_factory=list)
    weight_bytes: Optional[int] = None

    @property
    def label(self):
        """`name (ClassName)`, the first column of Keras's summary."""
        return f"{self.name} ({self.class_name})"


@dataclass
class SummaryTable:
    """A model's summary: its name, its layer rows and the parameter totals.

    Totals left as None are summed from the top-level rows (a row counts as trainable or
    not as a whole); an adapter should pass the exact numbers, which also split layers with
    both kinds of weights (BatchNormalization) and count shared weights once.

    Arguments:
        name: the model's name, shown as `Model: "name"`.
        rows: the model's layers in order.
        total_params, trainable_params, non_trainable_params: parameter totals.
        is_graph: True for a functional model that is not a plain chain: adds the
            "Connected to" column and the wider default line (Keras's rule).
        total_bytes, trainable_bytes, non_trainable_bytes: weight memory, or None to sum
            the rows' `weight_bytes`.
    """

    name: str
    rows: List[SummaryRow] = field(default_factory=list)
    total_params: Optional[int] = None
    trainable_params: Optional[int] = None
    non_trainable_params: Optional[int] = None
    is_graph: bool = False
    total_bytes: Optional[int] = None
    trainable_bytes: Optional[int] = None
    non_trainable_bytes: Optional[int] = None

    def param_totals(self) -> Tuple[int, int, int]:
        """(total, trainable, non-trainable) parameter counts."""
        trainable = self.trainable_params
        non_trainable = self.non_trainable_params
        if trainable is None:
            trainable = sum(_count(r.params) for r in self.rows if r.trainable)
        if non_trainable is None:
            non_trainable = sum(_count(r.params) for r in self.rows if not r.trainable)
        total = self.total_params if self.total_params is not None else trainable + non_trainable
        return total, trainable, non_trainable

    def byte_totals(self) -> Tuple[Optional[int], Optional[int], Optional[int]]:
        """(total, trainable, non-trainable) weight bytes; None where nothing is known."""
        known = [r for r in self.rows if r.weight_bytes is not None]
        trainable = self.trainable_bytes
        non_trainable = self.non_trainable_bytes
        if trainable is None and known:
            trainable = sum(r.weight_bytes for r in known if r.trainable)
        if non_trainable is None and known:
            non_trainable = sum(r.weight_bytes for r in known if not r.trainable)
        total = self.total_bytes
        if total is None and trainable is not None and non_trainable is not None:
            total = trainable + non_trainable
        return total, trainable, non_trainable


def _count(params):
    return params if isinstance(params, int) else 0


def format_shape(shape: Shape) -> str:
    """A shape as Keras prints it: `(None, 50)`, `[(None, 784)]`; strings pass through.

    Arguments:
        shape: a tuple, a list of shapes, a string, or None (shown as `?`).

    Returns:
        The shape's text.
    """
    if shape is None:
        return "?"
    if isinstance(shape, str):
        return shape
    if isinstance(shape, list):
        return "[" + ", ".join(format_shape(s) for s in shape) + "]"
    if isinstance(shape, tuple):
        return repr(tuple(shape))
    return str(shape)


def format_bytes(num_bytes: Optional[int]) -> str:
    """Weight memory for people: `512 B`, `153.32 KB`, `1.50 MB` (powers of 1024).

    Arguments:
        num_bytes: a number of bytes, or None (an empty string).

    Returns:
        The size's text, in B, KB, MB, GB or TB.
    """
    if num_bytes is None:
        return ""
    if num_bytes < 1024:
        return f"{int(num_bytes)} B"
    size = float(num_bytes)
    for unit in ("KB", "MB", "GB", "TB"):
        size /= 1024.0
        if size < 1024.0 or unit == "TB":
            return f"{size:.2f} {unit}"


def column_layout(table: SummaryTable, line_length=None, positions=None, show_trainable=False,
                  terminal_width=None):
    """The line length, absolute column end positions and headers, following Keras.

    Arguments:
        table: the summary; `is_graph` picks the defaults (65 and `[.45, .85, 1]`, or 98
            and `[.33, .55, .67, 1]` with a "Connected to" column).
        line_length: total width of the lines; None for the default.
        positions: column end positions, relative (last one <= 1) or absolute.
        show_trainable: append an 11-character "Trainable" column, as Keras does.
        terminal_width: when `line_length` is None and this is smaller than the default
            width, the lines are made this wide instead (at least 40 characters), and
            relative positions scale with them.

    Returns:
        (line_length, positions, headers).

    Raises:
        ValueError: if the number of positions does not match the number of columns.
    """
    headers = ["Layer (type)", "Output Shape", "Param #"]
    default_length, default_positions = SEQUENTIAL_LINE_LENGTH, SEQUENTIAL_POSITIONS
    if table.is_graph:
        headers.append("Connected to")
        default_length, default_positions = GRAPH_LINE_LENGTH, GRAPH_POSITIONS
    if line_length is None:
        line_length = default_length
        if terminal_width is not None and terminal_width < default_length:
            line_length = max(int(terminal_width), MIN_TERMINAL_LINE_LENGTH)
    positions = list(positions) if positions else list(default_positions)
    if len(positions) != len(headers):
        raise ValueError(
            f"summary: `positions` has {len(positions)} entries but the table has "
            f"{len(headers)} columns ({', '.join(headers)}); pass one end position per column.")
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    if show_trainable:
        line_length += TRAINABLE_COLUMN_WIDTH
        positions.append(line_length)
        headers.append("Trainable")
    return line_length, positions, headers


def _format_row_truncated(fields, positions):
    # Keras 2: each field is cut at its column's end; the character before a column start
    # is forced to a space so neighbouring cells never touch.
    line = ""
    for i, text in enumerate(fields):
        if i > 0:
            line = line[:-1] + " "
        line += text
        line = line[:positions[i]]
        line += " " * (positions[i] - len(line))
    return [line]


_BREAK_AFTER = ("),", "},", "],", "',")


def _format_row_wrapped(fields, positions):
    # Each column gets its width less two spaces of gutter (less one more, except the
    # last, so the next column starts aligned); the rest of the cell goes to the next line.
    left = list(fields)
    lines = []
    while any(left):
        line = ""
        for col, text in enumerate(left):
            start = positions[col - 1] if col else 0
            last = col == len(positions) - 1
            gutter = 0 if last else 2
            width = max(1, positions[col] - start - gutter - (0 if last else 1))
            piece = text[:width]
            breaks = [piece.find(b) + len(b) for b in _BREAK_AFTER if piece.find(b) >= 0]
            if breaks and len(text) > width:
                piece = piece[:min(breaks)]
            left[col] = text[len(piece):].lstrip(" ") if len(piece) < len(text) else ""
            line += piece + " " * gutter
            line += " " * (positions[col] - len(line))
        lines.append(line)
    return lines or [" " * positions[-1]]


def _row_fields(row: SummaryRow, table: SummaryTable, show_trainable):
    """The cell texts of a row's lines: connections beyond the first get lines of their own."""
    params = row.params if isinstance(row.params, str) else str(int(row.params))
    first = [row.label, format_shape(row.output_shape), params]
    if table.is_graph:
        first.append(row.connected_to[0] if row.connected_to else "")
    if show_trainable:
        first.append("Y" if row.trainable else "N")
    lines = [first]
    if table.is_graph:
        for connection in row.connected_to[1:]:
            extra = ["", "", "", connection]
            if show_trainable:
                extra.append("")
            lines.append(extra)
    return lines


def summary_lines(table: SummaryTable, line_length=None, positions=None, *, expand_nested=False,
                  show_trainable=False, overflow="truncate", show_memory=False,
                  terminal_width=None) -> List[str]:
    """The summary as a list of lines (no newlines); see `render` for the arguments."""
    if overflow not in ("truncate", "wrap"):
        raise ValueError(f"summary: overflow must be 'truncate' or 'wrap', got {overflow!r}.")
    line_length, positions, headers = column_layout(
        table, line_length, positions, show_trainable, terminal_width)
    format_row = _format_row_truncated if overflow == "truncate" else _format_row_wrapped
    out = [f'Model: "{table.name}"', "_" * line_length]
    out += format_row(headers, positions)
    out.append("=" * line_length)

    def emit(row, level, is_last):
        # Nested rows are framed by `|` on both sides, one per level, as Keras's
        # expand_nested does: the first and last columns give up the frame's width, the
        # others stay aligned with the header.
        inner_positions = [p - level for p in positions[:-1]] + [positions[-1] - 2 * level]
        for fields in _row_fields(row, table, show_trainable):
            for text in format_row(fields, inner_positions):
                out.append("|" * level + text + "|" * level)
        if expand_nested and row.children:
            out.append("|" * (level + 1) + "¯" * (line_length - 2 * level - 2) + "|" * (level + 1))
            for i, child in enumerate(row.children):
                emit(child, level + 1, i == len(row.children) - 1)
            out.append("|" * level + "¯" * (line_length - 2 * level) + "|" * level)
        if not is_last:
            out.append("|" * level + "_" * (line_length - 2 * level) + "|" * level)

    for i, row in enumerate(table.rows):
        emit(row, 0, i == len(table.rows) - 1)
    out.append("=" * line_length)

    total, trainable, non_trainable = table.param_totals()
    counts = [("Total params", total), ("Trainable params", trainable),
              ("Non-trainable params", non_trainable)]
    memory = table.byte_totals() if show_memory else (None, None, None)
    for (label, count), nbytes in zip(counts, memory):
        suffix = f" ({format_bytes(nbytes)})" if nbytes is not None else ""
        out.append(f"{label}: {count:,}{suffix}")
    out.append("_" * line_length)
    return out


def to_string(table: SummaryTable, line_length=None, positions=None, **options) -> str:
    """The summary text, lines joined by newlines (no trailing newline).

    Takes the same arguments as `render` except `print_fn`; the terminal is not consulted
    unless `terminal_width` is passed.
    """
    return "\n".join(summary_lines(table, line_length, positions, **options))


def detect_terminal_width() -> Optional[int]:
    """The width of the terminal stdout writes to, or None when stdout is not a terminal
    (Jupyter, a pipe, a captured stream)."""
    stream = sys.stdout
    try:
        if stream is None or not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return shutil.get_terminal_size().columns


def render(table: SummaryTable, line_length=None, positions=None,
           print_fn: Optional[Callable[[str], None]] = None, *, expand_nested=False,
           show_trainable=False, overflow="truncate", show_memory=False,
           terminal_width: Optional[int] = None) -> None:
    """Print a model summary in Keras 2's text format, one `print_fn` call per line.

    Arguments:
        table: the summary to show.
        line_length: total width of the lines; defaults to 65 (sequential) or 98 (graph).
        positions: column end positions, relative (last <= 1) or absolute, as in Keras.
        print_fn: called with each line; defaults to `print`.
        expand_nested: also show the rows of nested models, framed by `|` (Keras's
            `expand_nested`).
        show_trainable: add a "Trainable" column with Y or N.
        overflow: "truncate" (Keras 2) cuts long cells; "wrap" continues them on extra lines.
        show_memory: add the weight memory to the totals, `Total params: 42,310 (165.27 KB)`.
        terminal_width: narrow the default line to this width; when None and `print_fn`
            is None, the width of the terminal stdout is attached to is used (if any), so
            a summary printed in a narrow terminal does not wrap. An explicit
            `line_length` is always honoured.
    """
    if print_fn is None:
        print_fn = print
        if terminal_width is None:
            terminal_width = detect_terminal_width()
    for line in summary_lines(table, line_length, positions, expand_nested=expand_nested,
                              show_trainable=show_trainable, overflow=overflow,
                              show_memory=show_memory, terminal_width=terminal_width):
        print_fn(line)
