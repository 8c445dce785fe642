"""Where load() looks, in which order, and what it says when the data is nowhere."""

import gzip

import numpy as np
import pytest

from fmnist import config
from fmnist.data import DataError, Source, checksum, load, locate
from fmnist.data.sources import source_in
from helpers import tiny_splits, write_csv_dir, write_idx_dir


@pytest.fixture
def places(tmp_path, monkeypatch):
    """Point every search place at an empty temporary directory, and make downloads fail."""
    dirs = {name: tmp_path / name for name in ("project_data", "debian", "kaggle_input", "keras_home")}
    for directory in dirs.values():
        directory.mkdir()
    monkeypatch.setattr(config, "DATA_DIR", dirs["project_data"])
    monkeypatch.setattr(config, "DEBIAN_DATA_DIR", dirs["debian"])
    monkeypatch.setattr(config, "KAGGLE_INPUT_DIR", dirs["kaggle_input"])
    monkeypatch.setenv("KERAS_HOME", str(dirs["keras_home"]))
    monkeypatch.delenv(config.DATA_ENV_VAR, raising=False)

    def offline():
        raise OSError("URL fetch failure: Name or service not known")

    monkeypatch.setattr("keras.datasets.fashion_mnist.load_data", offline)
    dirs["keras_cache"] = dirs["keras_home"] / "datasets" / "fashion-mnist"
    return dirs


def test_explicit_directory_of_csvs(csv_dir):
    assert locate(csv_dir) == Source("csv", csv_dir)


def test_explicit_directory_that_does_not_exist(tmp_path):
    with pytest.raises(DataError, match=r"nowhere: the given directory is not a directory"):
        load(tmp_path / "nowhere")


def test_explicit_directory_without_data_names_expected_files(tmp_path):
    with pytest.raises(
        DataError, match=r"holds no Fashion-MNIST files; expected the Kaggle CSVs \(fashion-mnist_train\.csv"
    ):
        load(tmp_path)


def test_directory_with_both_formats_reads_idx(tmp_path, splits):
    write_idx_dir(tmp_path, splits)
    write_csv_dir(tmp_path, tiny_splits(seed=1))
    assert source_in(tmp_path).kind == "idx"
    np.testing.assert_array_equal(load(tmp_path)[0][0], splits[0][0])


def test_env_var_comes_first(places, monkeypatch, tmp_path, splits):
    write_csv_dir(places["project_data"], tiny_splits(seed=1))
    env_dir = write_idx_dir(tmp_path / "env", splits)
    monkeypatch.setenv(config.DATA_ENV_VAR, str(env_dir))
    assert locate() == Source("idx", env_dir)


def test_env_var_naming_an_empty_directory_is_an_error(places, monkeypatch, tmp_path):
    write_idx_dir(places["debian"], tiny_splits())
    monkeypatch.setenv(config.DATA_ENV_VAR, str(tmp_path / "project_data"))
    with pytest.raises(DataError, match=r"\$FMNIST_DATA holds no Fashion-MNIST files"):
        locate()


def test_project_data_before_debian(places):
    write_csv_dir(places["project_data"], tiny_splits())
    write_idx_dir(places["debian"], tiny_splits())
    assert locate() == Source("csv", places["project_data"])


def test_debian_before_keras_cache(places):
    write_idx_dir(places["debian"], tiny_splits())
    write_idx_dir(places["keras_cache"], tiny_splits())
    assert locate() == Source("idx", places["debian"])


@pytest.mark.parametrize("layout", ["fashionmnist-dsc", "datasets/hiteshk07/fashionmnist-dsc", "fashionmnist/data"])
def test_a_dataset_attached_to_a_kaggle_notebook_is_found_and_reads_like_the_idx_files(places, splits, idx_dir, layout):
    """Kaggle mounts attached datasets as /kaggle/input/<slug>/ or, newer, /kaggle/input/datasets/<owner>/<slug>/."""
    (places["kaggle_input"] / "other-dataset").mkdir()  # something else attached too, first in name order
    attached = write_csv_dir(places["kaggle_input"] / layout, splits)
    write_idx_dir(places["keras_cache"], tiny_splits(seed=1))
    assert locate() == Source("csv", attached)  # before the Keras cache and any download
    for (images, labels), (expected_images, expected_labels) in zip(load(), Source("idx", idx_dir).read()):
        np.testing.assert_array_equal(images, expected_images)
        np.testing.assert_array_equal(labels, expected_labels)


def test_debian_before_kaggle_input(places):
    write_idx_dir(places["debian"], tiny_splits())
    write_csv_dir(places["kaggle_input"] / "fashionmnist", tiny_splits())
    assert locate() == Source("idx", places["debian"])


def test_keras_cache(places):
    write_idx_dir(places["keras_cache"], tiny_splits())
    assert locate() == Source("idx", places["keras_cache"])


def test_keras_download_is_the_last_resort(places, monkeypatch, splits):
    calls = []

    def fake_download():  # what keras does: fetch the four .gz files into its cache
        calls.append(1)
        write_idx_dir(places["keras_cache"], splits)

    monkeypatch.setattr("keras.datasets.fashion_mnist.load_data", fake_download)
    assert locate() == Source("idx", places["keras_cache"])
    assert calls == [1]
    np.testing.assert_array_equal(load()[1][1], splits[1][1])


def test_nothing_found_lists_every_place_and_every_remedy(places):
    with pytest.raises(DataError) as info:
        load()
    message = str(info.value)
    for place in (
        "$FMNIST_DATA: not set",
        f"{places['project_data']}: no data files",
        f"{places['debian']}: no data files",
        f"{places['kaggle_input']}: no data files",
        f"{places['keras_cache']}: not found",
        "Keras download: failed (URL fetch failure",
        config.KAGGLE_URL,
        "apt-get install dataset-fashion-mnist",
        "keras.datasets.fashion_mnist.load_data()",
    ):
        assert place in message


def test_a_broken_file_in_a_search_place_is_reported_not_skipped(places):
    """A damaged data/ must not silently fall through to another copy of the data."""
    write_idx_dir(places["project_data"], tiny_splits())
    write_idx_dir(places["debian"], tiny_splits())
    path = places["project_data"] / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x02"))
    with pytest.raises(DataError, match=r"project_data/train-images-idx3-ubyte\.gz: wrong IDX magic number"):
        load()


def test_checksum_depends_on_content_not_format(idx_dir, csv_dir):
    from_idx, from_csv = load(idx_dir), load(csv_dir)
    assert checksum(from_idx) == checksum(from_csv)
    (x, y), test = from_idx
    y = y.copy()
    y[0] = (y[0] + 1) % 10
    assert checksum(((x, y), test)) != checksum(from_idx)
