"""The real dataset, as `make data` provides it: counts, formats, and agreement with Keras."""

import os
import subprocess
import sys

import numpy as np
import pytest

from fmnist.data import checksum, load
from helpers import write_csv_dir, write_idx_dir

pytestmark = pytest.mark.integration


def test_shapes_dtypes_and_class_balance(real_splits):
    (x_train, y_train), (x_test, y_test) = real_splits
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10


def test_real_images_read_from_csv_are_the_idx_arrays(real_splits, tmp_path):
    """The 10,000 real test images as both Kaggle CSVs: the reader has no path that depends on the row count."""
    test_split = real_splits[1]
    csv_dir = write_csv_dir(tmp_path / "csv", (test_split, test_split))
    for images, labels in load(csv_dir):
        np.testing.assert_array_equal(images, test_split[0])
        np.testing.assert_array_equal(labels, test_split[1])
    assert checksum(load(csv_dir)) == checksum((test_split, test_split))  # second time from the .npz cache


def test_same_arrays_as_keras_loader(real_splits, tmp_path):
    """keras.datasets reads the same IDX files into exactly what load() returns."""
    cache = write_idx_dir(tmp_path / "datasets" / "fashion-mnist", real_splits)
    script = (  # a fresh process: Keras reads KERAS_HOME once, when it is imported
        "import numpy as np, keras, sys\n"
        "(a, b), (c, d) = keras.datasets.fashion_mnist.load_data()\n"
        "np.savez(sys.argv[1], x_train=a, y_train=b, x_test=c, y_test=d)\n"
    )
    env = {**os.environ, "KERAS_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "keras.npz")], env=env, check=True, timeout=120)
    (x_train, y_train), (x_test, y_test) = load(cache)
    with np.load(tmp_path / "keras.npz") as keras_arrays:
        for name, ours in (("x_train", x_train), ("y_train", y_train), ("x_test", x_test), ("y_test", y_test)):
            theirs = keras_arrays[name]
            assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
            np.testing.assert_array_equal(ours, theirs)
