"""``layerwise.tables``: CSV/TSV/Parquet/Feather reading, strict numbers, one-line errors.

Oracles: the arrays the files were written from (``repr`` of every float
round-trips exactly), hand-placed bad cells whose line and column are known,
and the same table written in every format reading back identically.
"""

import numpy as np
import pytest

from layerwise.cli import main
from layerwise.tables import TableError, parse_number, read_table, sniff_delimiter


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def frame_data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 3)) * 10.0 ** rng.integers(-6, 6, (40, 3))
    y = np.array(["cat", "dog"])[rng.integers(0, 2, 40)]
    return X, y


def csv_text(X, y, sep=","):
    lines = [sep.join(["a", "b", "c", "label"])]
    lines += [sep.join([*(repr(float(v)) for v in row), t]) for row, t in zip(X, y)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_sniffed_delimiter_reads_exact_values(tmp_path, frame_data, sep):
    X, y = frame_data
    path = write(tmp_path / "data.csv", csv_text(X, y, sep))
    table = read_table(path, "label")
    np.testing.assert_array_equal(table.X, X)
    np.testing.assert_array_equal(table.y, y)
    assert table.feature_names == ["a", "b", "c"] and table.target == "label"


def test_tsv_suffix_and_explicit_sep(tmp_path, frame_data):
    X, y = frame_data
    tsv = write(tmp_path / "data.tsv", csv_text(X, y, "\t"))
    np.testing.assert_array_equal(read_table(tsv, "label").X, X)
    odd = write(tmp_path / "data.txt", csv_text(X, y, ":"))
    np.testing.assert_array_equal(read_table(odd, "label", sep=":").X, X)


def test_semicolon_with_decimal_comma(tmp_path):
    path = write(tmp_path / "excel.csv", "x;y;t\n1,5;-2,25;a\n3;4,0;b\n")
    table = read_table(path, "t", decimal=",")
    np.testing.assert_array_equal(table.X, [[1.5, -2.25], [3.0, 4.0]])
    with pytest.raises(TableError, match=r"line 2: non-numeric value '1,5' in column 'x'.*--decimal ,"):
        read_table(path, "t")


def test_sniffer_prefers_consistent_split():
    assert sniff_delimiter(["a;b;c", "1,5;2;3", "4;5,5;6"]) == ";"
    assert sniff_delimiter(["a,b", "1,2"]) == ","
    assert sniff_delimiter(["only"]) == ","
    assert sniff_delimiter(['"a;x",b', '"1;2",3']) == ","  # quotes respected


@pytest.mark.parametrize("cell", ["1_000", "0x10", "1e", "１", "1.2.3", "1,000", "True"])
def test_strict_numbers_refused_with_line_and_column(tmp_path, cell):
    text = 'a,b,t\n1,2,x\n3,4,y\n5,"{}",z\n'.format(cell)
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(TableError) as info:
        read_table(path, "t")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path} line 4: non-numeric value {cell!r} in column 'b'"), message


def test_parse_number_is_stricter_than_float():
    assert float("1_000") == 1000.0  # what Python accepts ...
    assert parse_number("1_000") is None  # ... and we do not
    assert parse_number(" -1.5e3 ") == -1500.0
    assert parse_number(".5") == 0.5 and parse_number("5.") == 5.0
    assert parse_number("0x10") is None and parse_number("") is None
    assert parse_number("\uff11") is None  # a full-width digit: float() takes it, we do not


@pytest.mark.parametrize("text, expected", [
    ("a,b,t\n1,2,x\n3,,y\n", "line 3: missing value (empty or NaN) in column 'b'"),
    ("a,b,t\n1,2,x\n\n3,NaN,y\n", "line 4: missing value (empty or NaN) in column 'b'"),
    ("a,b,t\n1,2,x\n3,inf,y\n", "line 3: infinite value in column 'b'"),
    ("a,b,t\n1,2,x\n3,1e400,y\n", "line 3: infinite value in column 'b'"),
    ("a,b,t\n1,2,x\n3,4,\n", "line 3: missing target value in column 't'"),
    ("a,b,t\n1,2,x\n3,4,5,6\n", "line 3 has 4 cells but the header has 3 (delimiter ',')"),
    ("a,b,t\n1,x,x\n3,4,y\n7,8,oops\n9,1_0,z\n", "line 2: non-numeric value 'x' in column 'b'"),
    ("a,a,t\n1,2,x\n", "has duplicate column names: a"),
    ("a,b,t\n", "has a header but no data rows"),
    ("\n\n", "is empty"),
])
def test_errors_are_one_line_with_location(tmp_path, text, expected):
    path = write(tmp_path / "bad.csv", text)
    with pytest.raises(TableError) as info:
        read_table(path, "t")
    assert str(info.value) == f"{path} {expected}" or str(info.value).startswith(f"{path} {expected}"), \
        str(info.value)


def test_earliest_bad_line_is_reported_across_columns(tmp_path):
    path = write(tmp_path / "bad.csv", "a,b,t\n1,2,x\n3,oops,y\nbad,4,z\n")
    with pytest.raises(TableError, match=r"line 3: non-numeric value 'oops' in column 'b'"):
        read_table(path, "t")


def test_blank_lines_are_skipped_and_lines_still_counted(tmp_path):
    path = write(tmp_path / "gaps.csv", "\na,b,t\n1,2,x\n\n\n3,4,y\n\n5,zz,z\n")
    with pytest.raises(TableError, match=r"line 8: non-numeric value 'zz'"):
        read_table(path, "t")
    path = write(tmp_path / "gaps2.csv", "a,b,t\n1,2,x\n\n3,4,y\n\n")
    table = read_table(path, "t")
    np.testing.assert_array_equal(table.X, [[1, 2], [3, 4]])


def test_single_column_hint_mentions_the_delimiter(tmp_path):
    path = write(tmp_path / "one.csv", "a b t\n1 2 x\n")
    with pytest.raises(TableError, match=r"no column 't'.*delimiter ','.*--sep"):
        read_table(path, "t")


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("a,b,t\n1,2,x\n3,4,caf\xe9\n".encode("latin-1"))
    with pytest.raises(TableError, match=r"line 3 is not UTF-8 text"):
        read_table(str(path), "t")


def test_not_utf8_after_the_sniffed_sample_names_the_line(tmp_path):
    path = tmp_path / "late.csv"
    rows = "".join(f"{i},{i + 1},x\n" for i in range(20_000))  # more than the 64 KiB sample
    path.write_bytes(("a,b,t\n" + rows).encode() + "5,6,caf\xe9\n".encode("latin-1"))
    with pytest.raises(TableError, match=r"late.csv line 20002 is not UTF-8 text"):
        read_table(str(path), "t")


def test_bom_and_whitespace_in_header(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff a , b ,t\n1,2,x\n".encode("utf-8"))
    table = read_table(str(path), "t")
    assert table.feature_names == ["a", "b"]


def test_predict_side_without_target_column(tmp_path):
    path = write(tmp_path / "new.csv", "a,b\n1,2\n3,4\n")
    table = read_table(path, "t", require_target=False)
    assert table.y is None and table.target is None
    np.testing.assert_array_equal(table.X, [[1, 2], [3, 4]])


@pytest.mark.parametrize("fmt", ["parquet", "feather"])
def test_columnar_formats_read_like_csv(tmp_path, frame_data, fmt):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    X, y = frame_data
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "label": y})
    path = str(tmp_path / f"data.{fmt}")
    getattr(frame, f"to_{fmt}")(path)
    table = read_table(path, "label")
    reference = read_table(write(tmp_path / "data.csv", csv_text(X, y)), "label")
    np.testing.assert_array_equal(table.X, reference.X)
    np.testing.assert_array_equal(table.y, reference.y)
    assert table.feature_names == reference.feature_names


def test_columnar_errors_name_row_and_column(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan], "b": ["x", "y", "z"], "t": [0, 1, 0]})
    path = str(tmp_path / "gap.parquet")
    frame.to_parquet(path)
    with pytest.raises(TableError, match=r"gap.parquet row 1: non-numeric value 'x' in column 'b'"):
        read_table(path, "t")
    frame = frame.drop(columns="b")
    frame.to_parquet(path)
    with pytest.raises(TableError, match=r"gap.parquet row 3: missing value .* column 'a'"):
        read_table(path, "t")
    bad = tmp_path / "junk.feather"
    bad.write_bytes(b"not arrow at all")
    with pytest.raises(TableError, match=r"junk.feather is not a readable Feather file"):
        read_table(str(bad), "t")


def test_cli_semicolon_csv_trains_and_predicts(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    rows = [f"{float(a)!r};{float(b)!r};{t}".replace(".", ",") for (a, b), t in zip(X, y)]
    data = write(tmp_path / "eu.csv", "p;q;answer\n" + "\n".join(rows) + "\n")
    model = str(tmp_path / "eu.lw")
    assert main(["train", data, "--target", "answer", "--decimal", ",", "--hidden", "8",
                 "--epochs", "40", "--learning-rate", "0.05", "--out", model, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["predict", model, data, "--decimal", ","]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "answer" and len(lines) == 81
    assert np.mean(np.array(lines[1:]) == y) > 0.9
    assert main(["train", data, "--target", "answer", "--out", model, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 2: non-numeric value" in err and "--decimal ," in err


def test_blocks_give_the_same_table_and_lines(tmp_path, frame_data, monkeypatch):
    import layerwise.tables as tables

    X, y = frame_data
    labels = np.where(np.arange(len(y)) < 20, "7", y)  # numeric-looking labels in early blocks only
    text = csv_text(X, labels).replace("\n", "\n\n", 5)  # blank lines shift the line numbers
    path = write(tmp_path / "blocks.csv", text)
    whole = read_table(path, "label")
    monkeypatch.setattr(tables, "CHUNK_ROWS", 3)
    blocks = read_table(path, "label")
    np.testing.assert_array_equal(blocks.X, X)
    np.testing.assert_array_equal(blocks.X, whole.X)
    np.testing.assert_array_equal(blocks.y, labels)
    bad = text.splitlines()
    bad[30] = "1,2,zz," + bad[30].split(",")[-1]  # line 31 of the file, in the 9th block
    path = write(tmp_path / "blocks_bad.csv", "\n".join(bad) + "\n")
    with pytest.raises(TableError, match=r"line 31: non-numeric value 'zz' in column 'c'"):
        read_table(path, "label")
