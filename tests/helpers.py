"""Writers for small, valid Fashion-MNIST files in both formats, for the tests to corrupt."""

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist.data.csv import CSV_NAMES, HEADER
from fmnist.data.idx import IDX_NAMES, IMAGES_MAGIC, LABELS_MAGIC


def tiny_splits(n_train: int = 30, n_test: int = 20, seed: int = 0):
    """Random uint8 images with every class present: ``(x_train, y_train), (x_test, y_test)``."""
    rng = np.random.default_rng(seed)

    def split(n):
        return rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8), (np.arange(n) % 10).astype(np.uint8)

    return split(n_train), split(n_test)


def idx_bytes(array: np.ndarray, magic: int) -> bytes:
    """An IDX file's content: magic, big-endian dimensions, then the uint8 data."""
    dims = np.array(array.shape, dtype=">u4").tobytes()
    return magic.to_bytes(4, "big") + dims + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx_dir(directory: Path, splits, gz: bool = True) -> Path:
    """Write ``splits`` as the four IDX files (gzipped or not) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for (images, labels), (images_name, labels_name) in zip(splits, IDX_NAMES.values()):
        for name, array, magic in ((images_name, images, IMAGES_MAGIC), (labels_name, labels, LABELS_MAGIC)):
            content = idx_bytes(array, magic)
            if gz:  # the fastest level: the tests read these files, nobody downloads them
                (directory / f"{name}.gz").write_bytes(gzip.compress(content, compresslevel=1))
            else:
                (directory / name).write_bytes(content)
    return directory


def stratified_head(images: np.ndarray, labels: np.ndarray, per_class: int):
    """The first ``per_class`` images of every class, in their original order."""
    rows = np.sort(np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(10)]))
    return images[rows], labels[rows]


def write_csv_dir(directory: Path, splits) -> Path:
    """Write ``splits`` as the two Kaggle CSVs into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for (images, labels), name in zip(splits, CSV_NAMES.values()):
        rows = np.column_stack([labels, images.reshape(len(images), -1)])
        pd.DataFrame(rows, columns=HEADER).to_csv(directory / name, index=False)
    return directory
