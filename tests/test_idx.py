"""The IDX reader: good files in both encodings, and a clear DataError for each kind of damage."""

import gzip

import numpy as np
import pytest

from fmnist.data import DataError, load
from fmnist.data.idx import IMAGES_MAGIC, LABELS_MAGIC
from helpers import idx_bytes, tiny_splits, write_idx_dir


@pytest.mark.parametrize("gz", [True, False])
def test_reads_back_what_was_written(tmp_path, splits, gz):
    directory = write_idx_dir(tmp_path, splits, gz=gz)
    (x_train, y_train), (x_test, y_test) = load(directory)
    (ex_train, ey_train), (ex_test, ey_test) = splits
    for got, expected in ((x_train, ex_train), (y_train, ey_train), (x_test, ex_test), (y_test, ey_test)):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, expected)
    assert x_train.flags.writeable


def _rewrite(path, content: bytes):
    """Replace ``path``'s content, gzipping it again if the file is gzipped."""
    path.write_bytes(gzip.compress(content) if path.suffix == ".gz" else content)


def _content(path) -> bytes:
    return gzip.decompress(path.read_bytes())


def test_missing_file_is_named(idx_dir):
    (idx_dir / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\[\.gz\]: missing file"):
        load(idx_dir)


def test_truncated_gzip(idx_dir):
    path = idx_dir / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz: truncated or corrupt gzip"):
        load(idx_dir)


def test_corrupt_gzip(idx_dir):
    path = idx_dir / "train-labels-idx1-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[-8:-4] = bytes(4)  # break the CRC-32 of the stream
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte\.gz: truncated or corrupt gzip"):
        load(idx_dir)


def test_wrong_magic_number(idx_dir):
    path = idx_dir / "train-images-idx3-ubyte.gz"
    _rewrite(path, b"\x00\x00\x08\x01" + _content(path)[4:])
    with pytest.raises(
        DataError,
        match=r"train-images-idx3-ubyte\.gz: wrong IDX magic number 0x00000801 at byte offset 0, expected 0x00000803",
    ):
        load(idx_dir)


def test_labels_file_given_as_images(idx_dir, splits):
    """Swapped files are caught by their magic numbers."""
    labels = idx_dir / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(idx_bytes(splits[1][0], IMAGES_MAGIC)))
    with pytest.raises(DataError, match=r"t10k-labels-idx1-ubyte\.gz: wrong IDX magic number 0x00000803"):
        load(idx_dir)


def test_truncated_data_reports_offset(tmp_path, splits):
    directory = write_idx_dir(tmp_path, splits, gz=False)
    path = directory / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(
        DataError,
        match=r"train-images-idx3-ubyte: truncated: the header promises 30 images .* ends at byte offset 1000",
    ):
        load(directory)


def test_truncated_header(tmp_path, splits):
    directory = write_idx_dir(tmp_path, splits, gz=False)
    (directory / "t10k-images-idx3-ubyte").write_bytes(IMAGES_MAGIC.to_bytes(4, "big") + b"\x00\x00")
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte: truncated header"):
        load(directory)


def test_trailing_bytes(idx_dir):
    path = idx_dir / "train-labels-idx1-ubyte.gz"
    _rewrite(path, _content(path) + b"\x00\x00")
    with pytest.raises(DataError, match=r"2 unexpected bytes after the 30 labels, from byte offset 38"):
        load(idx_dir)


def test_image_label_count_mismatch(idx_dir, splits):
    labels = splits[0][1][:-1]
    (idx_dir / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels, LABELS_MAGIC)))
    with pytest.raises(DataError, match=r"holds 30 images but .*train-labels-idx1-ubyte\.gz holds 29 labels"):
        load(idx_dir)


def test_wrong_image_size(idx_dir):
    images = np.zeros((30, 32, 32), dtype=np.uint8)
    (idx_dir / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(idx_bytes(images, IMAGES_MAGIC)))
    with pytest.raises(DataError, match=r"train-images-idx3-ubyte\.gz: wrong image size 32x32 .*expected 28x28"):
        load(idx_dir)


def test_label_out_of_range_reports_byte_offset(idx_dir, splits):
    labels = splits[1][1].copy()
    labels[5] = 10
    (idx_dir / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(labels, LABELS_MAGIC)))
    with pytest.raises(
        DataError, match=r"t10k-labels-idx1-ubyte\.gz: label 10 at byte offset 13 \(item 5\) is outside 0\.\.9"
    ):
        load(idx_dir)


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_gzip_is_detected_by_content_not_name(tmp_path):
    """A gzipped file saved without the .gz suffix still reads."""
    splits = tiny_splits()
    directory = write_idx_dir(tmp_path, splits, gz=True)
    for path in directory.glob("*.gz"):
        path.rename(path.with_suffix(""))
    np.testing.assert_array_equal(load(directory)[0][0], splits[0][0])
