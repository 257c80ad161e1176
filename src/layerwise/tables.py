"""Reading data tables for the command line: CSV, TSV, Parquet, Feather and ``.npz``.

Text tables are parsed by pandas' C reader (Parquet and Feather by pyarrow,
an optional extra). What this module adds is the strictness and the error
messages a command-line user needs:

- the delimiter of a CSV is sniffed (``,`` ``;`` TAB ``|``) unless given;
  ``.tsv``/``.tab`` files are tab-separated;
- every feature column must hold numbers in the plain decimal syntax of the
  C reader (``1_000``, ``0x10``, ``1,5`` with a ``.`` decimal mark are refused;
  Python's ``float()`` would accept the first);
- a missing, non-numeric or infinite value is reported as ONE line naming the
  file, the line (Parquet/Feather: the row) and the column.

A CSV is parsed in blocks of :data:`CHUNK_ROWS` rows written straight into
one preallocated float64 matrix, so reading needs the matrix plus one block
(see ``scripts/real_data.py --csv-memory`` for measured peaks).
"""

from __future__ import annotations

import codecs
import csv
import math
import os
import re
from dataclasses import dataclass

import numpy as np

#: Delimiters tried, in order of preference, when a CSV's delimiter is sniffed.
SNIFFED_DELIMITERS = (",", ";", "\t", "|")
#: How many lines the sniffer looks at (the header and the first data lines).
SNIFF_LINES = 50
#: Rows parsed per block when reading a CSV.
CHUNK_ROWS = 20_000
_SNIFF_BYTES = 1 << 16
_COLUMNAR_SUFFIXES = {".parquet": "Parquet", ".pq": "Parquet", ".feather": "Feather",
                      ".arrow": "Feather"}
# Strict number syntax, the one pandas' C reader accepts for float columns
# (no underscores, no hexadecimal, no thousands separators).
_NUMBER = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*", re.ASCII)
_DECIMAL_COMMA = re.compile(r"\s*[+-]?[0-9]+,[0-9]+\s*", re.ASCII)
_MISSING_WORDS = ("", "nan", "na", "n/a", "null", "none", "-nan")
_PANDAS_EXTRA_LINE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


class TableError(ValueError):
    """A table that cannot be used; the message is one line naming file, line and column."""


@dataclass
class Table:
    """A data set read from a file.

    Attributes
    ----------
    X : ndarray of float64, shape (n_samples, n_features)
    feature_names : list of str, or None (an ``.npz`` without names)
    y : ndarray of str or numbers, shape (n_samples,), or None (no target column)
    target : str or None, the target column's name
    """

    X: np.ndarray
    feature_names: list | None
    y: np.ndarray | None
    target: str | None


def parse_number(text):
    """``float(text)`` if ``text`` is a plain decimal number (or inf/nan), else None.

    Stricter than ``float``: ``"1_000"`` and ``"0x10"`` are not numbers here.
    """
    text = str(text)
    if _NUMBER.fullmatch(text) or text.strip().lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return float(text)
    return None


def table_format(path):
    """``"npz"``, ``"Parquet"``, ``"Feather"`` or ``"text"`` (CSV/TSV), from the file name."""
    suffix = os.path.splitext(str(path))[1].lower()
    if suffix == ".npz":
        return "npz"
    return _COLUMNAR_SUFFIXES.get(suffix, "text")


def read_table(path, target=None, *, require_target=True, sep=None, decimal="."):
    """Read ``path`` (CSV, TSV, Parquet, Feather or ``.npz``) into a :class:`Table`.

    Parameters
    ----------
    path : str
    target : str or None
        The target column; ignored for ``.npz`` (its target is the array ``y``).
    require_target : bool
        If False, a missing ``target`` column is not an error (``predict``).
    sep : str or None
        CSV delimiter; None sniffs it (``.tsv``/``.tab``: TAB).
    decimal : str
        Decimal mark of a CSV's numbers (``","`` for many European files).

    Raises
    ------
    TableError
        One line naming the file, and the line and column where that applies.
    """
    path = str(path)
    if not os.path.exists(path):
        raise TableError(f"{path} does not exist")
    if os.path.isdir(path):
        raise TableError(f"{path} is a directory, not a data file")
    kind = table_format(path)
    if kind == "npz":
        table = read_npz(path)
        if require_target and table.y is None:
            raise TableError(f"{path} has no array 'y' to train on")
        return table
    if kind == "text":
        return read_csv(path, target, require_target=require_target, sep=sep, decimal=decimal)
    return read_columnar(path, kind, target, require_target=require_target)


# ----------------------------------------------------------------------------- CSV
def _sample_lines(path):
    """The first lines of a text file, decoded as UTF-8 (a BOM is dropped)."""
    with open(path, "rb") as handle:
        raw = handle.read(_SNIFF_BYTES)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        text = decoder.decode(raw, final=len(raw) < _SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise TableError(f"{path} line {line} is not UTF-8 text (byte {raw[exc.start]:#04x}); "
                         "save the file as UTF-8") from None
    lines = text.splitlines()
    if len(raw) == _SNIFF_BYTES and lines:
        lines = lines[:-1]  # the last line may be cut
    return lines


def sniff_delimiter(lines):
    """The delimiter among :data:`SNIFFED_DELIMITERS` that splits every sampled line alike.

    The header and up to :data:`SNIFF_LINES` data lines are split with each
    candidate (quotes respected); the first candidate that gives the same
    number (> 1) of fields on every line wins; failing that, the one that
    gives the header the most fields; a single-column file gets ``","``.
    """
    lines = [l for l in lines if l.strip()][:SNIFF_LINES + 1]
    if not lines:
        return ","
    best, best_fields = ",", 1
    for candidate in SNIFFED_DELIMITERS:
        counts = {len(row) for row in csv.reader(lines, delimiter=candidate)}
        if len(counts) == 1 and counts.pop() > 1:
            return candidate
        header_fields = len(next(csv.reader(lines[:1], delimiter=candidate)))
        if header_fields > best_fields:
            best, best_fields = candidate, header_fields
    return best


def _describe(sep):
    return {"\t": "TAB", " ": "space"}.get(sep, repr(sep))


def read_csv(path, target=None, *, require_target=True, sep=None, decimal="."):
    """Read a delimited text file with a header row; see :func:`read_table`."""
    import pandas as pd

    lines = _sample_lines(path)
    header_at = next((i for i, l in enumerate(lines) if l.strip()), None)
    if header_at is None:
        if os.path.getsize(path) > _SNIFF_BYTES:
            raise TableError(f"{path} starts with {_SNIFF_BYTES} bytes of blank lines")
        raise TableError(f"{path} is empty (expected a header row and data rows)")
    if sep is None:
        suffix = os.path.splitext(path)[1].lower()
        sep = "\t" if suffix in (".tsv", ".tab") else sniff_delimiter(lines[header_at:])
    if len(sep) != 1 or sep in "\r\n\"":
        raise TableError(f"the delimiter must be one character other than a quote or newline; "
                         f"got {sep!r}")
    if decimal == sep:
        raise TableError(f"the decimal mark and the delimiter are both {decimal!r}")
    header = [h.strip() for h in next(csv.reader([lines[header_at]], delimiter=sep))]
    if len(set(header)) != len(header):
        dupes = sorted({h for h in header if header.count(h) > 1})
        raise TableError(f"{path} has duplicate column names: {', '.join(dupes)}")
    if target is not None and target not in header:
        if require_target:
            hint = ""
            if len(header) == 1:
                hint = (f" (read with delimiter {_describe(sep)}: is the delimiter something "
                        "else? pass --sep)")
            raise TableError(f"{path} has no column {target!r}; its columns are "
                             f"{', '.join(header)}{hint}")
        target = None
    feature_names = [h for h in header if h != target]
    if not feature_names:
        raise TableError(f"{path} has no feature columns besides the target {target!r}"
                         + (f" (read with delimiter {_describe(sep)}; pass --sep if that is wrong)"
                            if len(header) == 1 else ""))
    first_data_line = header_at + 2  # 1-based line number of the first row after the header
    capacity = max(_count_lines(path) - header_at - 1, 1)
    X = np.empty((capacity, len(feature_names)), dtype=np.float64)
    y_parts, kept, seen = [], 0, 0
    try:
        # Read in blocks of rows straight into X, so that peak memory is X plus
        # one block (the whole file read at once keeps every column twice).
        # The target is read as text: blocks could otherwise type it differently.
        with pd.read_csv(path, sep=sep, header=None, names=header, skiprows=header_at + 1,
                         skip_blank_lines=False, index_col=False, encoding="utf-8-sig",
                         engine="c", decimal=decimal, chunksize=CHUNK_ROWS,
                         dtype=None if target is None else {target: str}) as reader:
            for block in reader:
                lines = first_data_line + seen + np.arange(len(block))
                seen += len(block)
                blank = block.isna().all(axis=1).to_numpy()
                if blank.any():  # blank lines (and rows of empty cells) are skipped
                    block, lines = block.loc[~blank], lines[~blank]
                if kept + len(block) > capacity:  # only if the line count was off
                    capacity = 2 * (kept + len(block))
                    X = np.concatenate([X[:kept], np.empty((capacity - kept, X.shape[1]))])
                where = _Where(path, lines, "line")
                _fill_rows(X[kept:kept + len(block)], block, feature_names, where,
                           decimal=decimal)
                if target is not None:
                    y_parts.append(_target_values(block[target], target, where))
                kept += len(block)
    except pd.errors.ParserError as exc:
        found = _PANDAS_EXTRA_LINE.search(str(exc))
        if found:
            expected, line, saw = found.groups()
            raise TableError(f"{path} line {line} has {saw} cells but the header has {expected} "
                             f"(delimiter {_describe(sep)})") from None
        raise TableError(f"{path} is not a readable CSV file "
                         f"({str(exc).splitlines()[0] if str(exc) else 'parser error'})") from None
    except UnicodeDecodeError:
        line = _first_undecodable_line(path)
        raise TableError(f"{path} line {line} is not UTF-8 text; save the file as UTF-8") from None
    if kept == 0:
        raise TableError(f"{path} has a header but no data rows")
    X = X[:kept] if kept > 0.9 * capacity else X[:kept].copy()
    y = np.concatenate(y_parts) if target is not None else None
    return Table(X, list(feature_names), y, target)


def _first_undecodable_line(path):
    """The 1-based line of the first byte of ``path`` that is not UTF-8 (error path only)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines = 1
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return lines + block[:exc.start].count(b"\n")
            lines += block.count(b"\n")
    return lines


def _count_lines(path):
    """Newlines in ``path`` (+1 for a last line without one): an upper bound on its rows."""
    count, last = 0, b"\n"
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


class _Where:
    """Turns a row index into "FILE line N" (CSV) or "FILE row N" (Parquet/Feather)."""

    def __init__(self, path, numbers, unit):
        self.path, self.numbers, self.unit = path, numbers, unit

    def __call__(self, row):
        return f"{self.path} {self.unit} {int(self.numbers[row])}"


def _fill_rows(out, frame, feature_names, where, *, decimal="."):
    """Copy ``frame``'s feature columns into ``out`` (float64), checking every cell.

    Raises TableError at the first bad cell in line order (across columns).
    """
    problems = []  # (row, message) of the first bad cell of each bad column
    for j, name in enumerate(feature_names):
        problem = _fill_column(out[:, j], frame[name], name, decimal=decimal)
        if problem is not None:
            problems.append(problem)
    if problems:
        row, message = min(problems, key=lambda p: p[0])
        raise TableError(f"{where(row)}: {message}")


def _fill_column(out, column, name, *, decimal):
    """Write ``column`` into ``out`` as float64; return (row, message) of its first bad cell."""
    kind = column.dtype.kind
    if kind in "iuf":
        out[...] = column.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(out)
        if not bad.any():
            return None
        row = int(np.argmax(bad))
        if np.isnan(out[row]):
            return row, f"missing value (empty or NaN) in column {name!r}; fill or drop it first"
        return row, f"infinite value in column {name!r}"
    if kind == "b":
        return 0, (f"column {name!r} holds booleans ({column.iloc[0]!r}); features must be "
                   "numbers (write them as 0/1)")
    if kind == "M" or kind == "m":
        return 0, f"column {name!r} holds dates or times ({column.dtype}); features must be numbers"
    # Text: the reader found at least one cell that is not a number.
    cells = column.astype(object).to_numpy()
    for row, cell in enumerate(cells):
        if cell is None or (isinstance(cell, float) and math.isnan(cell)):
            return row, f"missing value (empty or NaN) in column {name!r}; fill or drop it first"
        if isinstance(cell, (int, float, np.number)) and not isinstance(cell, bool):
            continue
        text = str(cell)
        if text.strip().lower() in _MISSING_WORDS:
            return row, f"missing value (empty or NaN) in column {name!r}; fill or drop it first"
        number = parse_number(text.replace(decimal, ".") if decimal != "." else text)
        if number is None:
            hint = ""
            if decimal == "." and _DECIMAL_COMMA.fullmatch(text):
                hint = " (a decimal comma? pass --decimal ,)"
            return row, (f"non-numeric value {text!r} in column {name!r}; features must be "
                         f"numbers{hint}")
        if not math.isfinite(number):
            return row, f"infinite value in column {name!r}"
        out[row] = number
    return None  # pragma: no cover - the reader would have typed the column numeric


def _target_values(column, name, where):
    missing = np.array(column.isna().to_numpy(), dtype=bool)  # a writable copy
    if column.dtype.kind not in "iufb":
        text = column.astype(object).to_numpy()
        stripped = np.array([str(v).strip() if v is not None else "" for v in text], dtype=object)
        missing |= np.isin(np.char.lower(stripped.astype(str)), ["", "nan", "na", "null"])
        values = stripped.astype(str)
    else:
        values = np.array(column.to_numpy())
    if missing.any():
        raise TableError(f"{where(int(np.argmax(missing)))}: missing target value in column {name!r}")
    return values


# ---------------------------------------------------------------- Parquet / Feather
def read_columnar(path, kind, target=None, *, require_target=True):
    """Read a Parquet or Feather file (needs pyarrow) into a :class:`Table`."""
    import pandas as pd

    try:
        import pyarrow  # noqa: F401  (pandas needs it for both formats)
    except ImportError:
        raise TableError(f"reading {kind} files needs pyarrow: pip install 'layerwise[tables]' "
                         f"(or save {path} as CSV)") from None
    reader = pd.read_parquet if kind == "Parquet" else pd.read_feather
    try:
        frame = reader(path)
    except (OSError, ValueError, TypeError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TableError(f"{path} is not a readable {kind} file ({reason})") from None
    names = [str(c) for c in frame.columns]
    frame.columns = names
    if len(set(names)) != len(names):
        dupes = sorted({h for h in names if names.count(h) > 1})
        raise TableError(f"{path} has duplicate column names: {', '.join(dupes)}")
    if len(frame) == 0:
        raise TableError(f"{path} has no rows")
    if target is not None and target not in names:
        if require_target:
            raise TableError(f"{path} has no column {target!r}; its columns are {', '.join(names)}")
        target = None
    feature_names = [n for n in names if n != target]
    if not feature_names:
        raise TableError(f"{path} has no feature columns besides the target {target!r}")
    frame = frame.reset_index(drop=True)
    where = _Where(path, np.arange(1, len(frame) + 1), "row")
    X = np.empty((len(frame), len(feature_names)), dtype=np.float64)
    _fill_rows(X, frame, feature_names, where)
    y = _target_values(frame[target], target, where) if target is not None else None
    return Table(X, feature_names, y, target)


# ----------------------------------------------------------------------------- .npz
def read_npz(path):
    """Read an ``.npz`` with arrays ``X`` (n, d), optional ``y`` (n,) and ``feature_names`` (d,)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (ValueError, OSError) as exc:
        raise TableError(f"{path} is not a readable .npz of numeric arrays ({exc})") from None
    if "X" not in arrays:
        raise TableError(f"{path} has no array 'X' (it holds {', '.join(sorted(arrays)) or 'nothing'})")
    X = arrays["X"]
    if X.ndim != 2 or X.size == 0:
        raise TableError(f"{path}: X must be a non-empty 2-D array (n_samples, n_features); "
                         f"got shape {X.shape}")
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool) or np.iscomplexobj(X):
        raise TableError(f"{path}: X must hold real numbers; got dtype {X.dtype}")
    X = X.astype(np.float64)
    if not np.all(np.isfinite(X)):
        r, c = np.argwhere(~np.isfinite(X))[0]
        raise TableError(f"{path}: X holds NaN or infinity (first at row {r}, column {c})")
    names = None
    if "feature_names" in arrays:
        names = [str(n) for n in np.ravel(arrays["feature_names"])]
        if len(names) != X.shape[1]:
            raise TableError(f"{path}: {len(names)} feature_names for {X.shape[1]} columns of X")
    y = arrays.get("y")
    if y is not None:
        y = np.ravel(y)
        if y.shape[0] != X.shape[0]:
            raise TableError(f"{path}: y has {y.shape[0]} entries but X has {X.shape[0]} rows")
        if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
            raise TableError(f"{path}: y holds NaN or infinity")
    return Table(X, names, y, "y" if y is not None else None)
