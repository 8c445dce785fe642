"""The Kaggle CSV reader: good files, the .npz cache, and a DataError naming line and column."""

import os

import numpy as np
import pytest

from fmnist.data import DataError, load
from fmnist.data.csv import HEADER, read_csv

TRAIN = "fashion-mnist_train.csv"


def test_reads_back_what_was_written(csv_dir, splits):
    loaded = load(csv_dir)
    for (images, labels), (ex_images, ex_labels) in zip(loaded, splits):
        assert images.dtype == labels.dtype == np.uint8
        assert images.shape == ex_images.shape
        np.testing.assert_array_equal(images, ex_images)
        np.testing.assert_array_equal(labels, ex_labels)


def test_windows_line_endings_bom_and_quoted_header(csv_dir, splits):
    path = csv_dir / TRAIN
    lines = path.read_text().splitlines()
    lines[0] = ",".join(f'"{name}"' for name in HEADER)
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n\r\n")
    images, labels = read_csv(path)
    np.testing.assert_array_equal(images, splits[0][0])
    np.testing.assert_array_equal(labels, splits[0][1])


def test_cache_is_written_and_reused(csv_dir, splits):
    load(csv_dir)
    cache = csv_dir / "fashion-mnist_train.npz"
    assert cache.is_file()
    # Make the CSV unreadable as data but keep size and mtime: only the cache can answer now.
    path = csv_dir / TRAIN
    stat = path.stat()
    path.write_bytes(b"x" * stat.st_size)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    np.testing.assert_array_equal(load(csv_dir)[0][0], splits[0][0])


def test_cache_is_rebuilt_when_the_csv_changes(csv_dir, splits):
    load(csv_dir)
    path = csv_dir / TRAIN
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:11]) + "\n")  # keep 10 images
    images, labels = load(csv_dir)[0]
    assert len(images) == 10
    np.testing.assert_array_equal(labels, splits[0][1][:10])


def test_damaged_cache_is_ignored_and_replaced(csv_dir, splits):
    load(csv_dir)
    cache = csv_dir / "fashion-mnist_train.npz"
    cache.write_bytes(cache.read_bytes()[:100])
    np.testing.assert_array_equal(load(csv_dir)[0][0], splits[0][0])
    with np.load(cache) as npz:  # replaced by a whole one
        np.testing.assert_array_equal(npz["images"], splits[0][0])


def _edit_cell(path, line: int, column: int, value: str):
    """Set the cell at 1-based file ``line`` and 0-based ``column`` to ``value``."""
    lines = path.read_text().splitlines()
    cells = lines[line - 1].split(",")
    cells[column] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


def _edit_line(path, line: int, text: str):
    lines = path.read_text().splitlines()
    lines[line - 1] = text
    path.write_text("\n".join(lines) + "\n")


BAD_CELLS = [
    # (line, column index, value, expected message)
    (5, 0, "10", r"line 5, column 'label': value 10 is outside 0\.\.9"),
    (7, 0, "-1", r"line 7, column 'label': value -1 is outside 0\.\.9"),
    (4, 100, "256", r"line 4, column 'pixel100': value 256 is outside 0\.\.255"),
    (9, 3, "-3", r"line 9, column 'pixel3': value -3 is outside 0\.\.255"),
    (6, 17, "abc", r"line 6, column 'pixel17': non-numeric value 'abc'"),
    (8, 784, "", r"line 8, column 'pixel784': empty cell"),
    (3, 5, "1.5", r"line 3, column 'pixel5': value 1\.5 is not a whole number"),
]


@pytest.mark.parametrize("line,column,value,message", BAD_CELLS)
def test_bad_cell_is_located(csv_dir, line, column, value, message):
    path = csv_dir / TRAIN
    _edit_cell(path, line, column, value)
    with pytest.raises(DataError, match=rf"fashion-mnist_train\.csv, {message}"):
        load(csv_dir)
    assert not (csv_dir / "fashion-mnist_train.npz").exists()


def test_first_bad_cell_is_reported(csv_dir):
    path = csv_dir / TRAIN
    _edit_cell(path, 9, 2, "x")
    _edit_cell(path, 4, 700, "")
    with pytest.raises(DataError, match=r"line 4, column 'pixel700': empty cell"):
        load(csv_dir)


@pytest.mark.parametrize("delta,count", [(-1, 784), (1, 786)])
def test_wrong_column_count(csv_dir, delta, count):
    path = csv_dir / "fashion-mnist_test.csv"
    lines = path.read_text().splitlines()
    cells = lines[11].split(",")
    cells = cells[:-1] if delta < 0 else cells + ["0"]
    _edit_line(path, 12, ",".join(cells))
    with pytest.raises(DataError, match=rf"fashion-mnist_test\.csv, line 12: {count} columns, expected 785"):
        load(csv_dir)


@pytest.mark.parametrize(
    "header,message",
    [
        (",".join(HEADER).replace("pixel3,", "pixel_3,"), r"line 1: header column 4 is 'pixel_3', expected 'pixel3'"),
        (",".join(HEADER[:-1]), r"line 1: header has 784 columns, expected 785"),
        ("", r"line 1: missing header"),
    ],
)
def test_wrong_header(csv_dir, header, message):
    path = csv_dir / TRAIN
    _edit_line(path, 1, header)
    with pytest.raises(DataError, match=rf"fashion-mnist_train\.csv, {message}"):
        load(csv_dir)


def test_missing_header(csv_dir):
    path = csv_dir / TRAIN
    path.write_text("\n".join(path.read_text().splitlines()[1:]) + "\n")
    with pytest.raises(DataError, match=r"fashion-mnist_train\.csv, line 1: missing header .* starts with data"):
        load(csv_dir)


def test_empty_line_inside_data(csv_dir):
    _edit_line(csv_dir / TRAIN, 6, "")
    with pytest.raises(DataError, match=r"fashion-mnist_train\.csv, line 6: empty line"):
        load(csv_dir)


def test_header_only(csv_dir):
    path = csv_dir / TRAIN
    path.write_text(",".join(HEADER) + "\n")
    with pytest.raises(DataError, match=r"fashion-mnist_train\.csv: no data rows"):
        load(csv_dir)


def test_missing_test_csv(csv_dir):
    (csv_dir / "fashion-mnist_test.csv").unlink()
    with pytest.raises(DataError, match=r"fashion-mnist_test\.csv: missing file"):
        load(csv_dir)


def test_error_keeps_existing_cache_and_leaves_no_temporary_files(csv_dir):
    load(csv_dir)
    before = sorted(p.name for p in csv_dir.iterdir())
    cache_bytes = (csv_dir / "fashion-mnist_train.npz").read_bytes()
    _edit_cell(csv_dir / TRAIN, 5, 0, "12")
    with pytest.raises(DataError):
        load(csv_dir)
    assert sorted(p.name for p in csv_dir.iterdir()) == before
    assert (csv_dir / "fashion-mnist_train.npz").read_bytes() == cache_bytes


def test_unwritable_cache_only_costs_a_reparse(csv_dir, splits, monkeypatch):
    def refuse(path):
        raise PermissionError(f"{path}: read-only file system")

    monkeypatch.setattr("fmnist.data.csv.atomic_path", refuse)
    np.testing.assert_array_equal(load(csv_dir)[1][0], splits[1][0])
    assert not list(csv_dir.glob("*.npz"))
