"""Find the data (CSV or IDX, in a known search order) and load it like ``keras.datasets``."""

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fmnist import config
from fmnist.data.csv import CSV_NAMES, has_csv_files, read_csv_split
from fmnist.data.idx import IDX_NAMES, has_idx_files, read_idx_split
from fmnist.errors import DataError

Splits = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Source:
    """A directory of Fashion-MNIST files and their format (``"idx"`` or ``"csv"``)."""

    kind: str
    path: Path

    def read(self) -> Splits:
        """``(x_train, y_train), (x_test, y_test)`` from this directory."""
        reader = read_idx_split if self.kind == "idx" else read_csv_split
        return reader(self.path, "train"), reader(self.path, "test")


def load(source: str | os.PathLike | None = None) -> Splits:
    """Return ``(x_train, y_train), (x_test, y_test)`` like ``keras.datasets.fashion_mnist``.

    ``source`` is a directory of Kaggle CSVs or IDX files. Without it, the first place that has
    data wins: ``$FMNIST_DATA``, the project's ``data/``, Debian's ``dataset-fashion-mnist``,
    a dataset attached to a Kaggle notebook, the Keras download cache, and finally a Keras download.
    """
    return locate(source).read()


def source_in(directory: Path) -> Source | None:
    """The source held by ``directory``, or None if it has no Fashion-MNIST files.

    A directory with both formats is read as IDX, the format the dataset was published in.
    """
    directory = Path(directory)
    if has_idx_files(directory):
        return Source("idx", directory)
    if has_csv_files(directory):
        return Source("csv", directory)
    return None


def kaggle_source(input_dir: Path, depth: int = 4) -> Source | None:
    """The first dataset folder under Kaggle's ``input_dir`` (``/kaggle/input``) that holds Fashion-MNIST files.

    Attached datasets appear as ``<slug>/`` or, in newer layouts, ``datasets/<owner>/<slug>/``, with
    the files at the top or in a subfolder; folders are searched in name order, ``depth`` levels deep.
    """
    level = [Path(input_dir)]
    for _ in range(depth):
        level = sorted(child for folder in level for child in folder.iterdir() if child.is_dir())
        for folder in level:
            found = source_in(folder)
            if found:
                return found
    return None


def locate(source: str | os.PathLike | None = None) -> Source:
    """The source :func:`load` reads: ``source`` itself, or the first hit of the search."""
    if source is not None:
        return _required_source(Path(source), "the given directory")
    env_value = os.environ.get(config.DATA_ENV_VAR)
    if env_value:
        return _required_source(Path(env_value), f"${config.DATA_ENV_VAR}")
    looked = [f"${config.DATA_ENV_VAR}: not set"]
    for directory in (config.DATA_DIR, config.DEBIAN_DATA_DIR, config.KAGGLE_INPUT_DIR, config.keras_cache_dir()):
        search = kaggle_source if directory == config.KAGGLE_INPUT_DIR else source_in
        found = search(directory) if directory.is_dir() else None
        if found:
            return found
        looked.append(f"{directory}: {'no data files' if directory.is_dir() else 'not found'}")
    try:
        return _download_with_keras()
    except Exception as err:  # any failure here means "not available", reported below
        looked.append(f"Keras download: failed ({err})")
    raise DataError(_not_found_message(looked))


def checksum(splits: Splits) -> str:
    """SHA-256 of the four arrays: the same for the same data, whatever format it came from."""
    digest = hashlib.sha256()
    for images, labels in splits:
        digest.update(np.ascontiguousarray(images).tobytes())
        digest.update(np.ascontiguousarray(labels).tobytes())
    return digest.hexdigest()


def _required_source(directory: Path, what: str) -> Source:
    if not directory.is_dir():
        raise DataError(f"{directory}: {what} is not a directory")
    found = source_in(directory)
    if found is None:
        raise DataError(f"{directory}: {what} holds no Fashion-MNIST files; {_expected_files()}")
    return found


def _download_with_keras() -> Source:
    import keras  # imported here: the download is the last resort, and keras is slow to import

    keras.datasets.fashion_mnist.load_data()
    return Source("idx", config.keras_cache_dir())


def _expected_files() -> str:
    csvs = " and ".join(CSV_NAMES.values())
    idx = ", ".join(f"{name}[.gz]" for names in IDX_NAMES.values() for name in names)
    return f"expected the Kaggle CSVs ({csvs}) or the IDX files ({idx})"


def _not_found_message(looked: list[str]) -> str:
    places = "\n".join(f"  {i}. {place}" for i, place in enumerate(looked, 1))
    return (
        "Fashion-MNIST data not found. Looked in:\n"
        f"{places}\n"
        "Provide it in one of these ways:\n"
        f"  - in a Kaggle notebook, attach a dataset with the two CSVs (Add Input; it appears under {config.KAGGLE_INPUT_DIR});\n"
        f"  - download fashion-mnist_train.csv and fashion-mnist_test.csv from {config.KAGGLE_URL}\n"
        f"    into {config.DATA_DIR} (or any directory named by ${config.DATA_ENV_VAR});\n"
        "  - on Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist;\n"
        "  - with internet access, keras.datasets.fashion_mnist.load_data() downloads it."
    )
