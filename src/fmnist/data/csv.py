"""Read the Kaggle CSVs (``label,pixel1,...,pixel784``) fast, validated, cached as ``.npz``.

Every check is vectorised: the file is parsed once by pandas' C reader, and field counts,
empty or non-numeric cells and out-of-range values are located with NumPy, so a bad file
is reported by line and column without a Python loop over its 60,000 rows.
"""

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist.config import IMAGE_SHAPE, NUM_CLASSES
from fmnist.errors import DataError
from fmnist.files import atomic_path

CSV_NAMES = {"train": "fashion-mnist_train.csv", "test": "fashion-mnist_test.csv"}
NUM_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]
HEADER = ("label", *(f"pixel{i}" for i in range(1, NUM_PIXELS + 1)))
_NEWLINE, _COMMA, _CR = ord("\n"), ord(","), ord("\r")


def has_csv_files(directory: Path) -> bool:
    """True if ``directory`` holds at least one of the Kaggle CSVs."""
    return any((Path(directory) / name).exists() for name in CSV_NAMES.values())


def read_csv_split(directory: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)`` of one split from its CSV in ``directory``, using the cache."""
    path = Path(directory) / CSV_NAMES[split]
    if not path.is_file():
        raise DataError(f"{path}: missing file")
    return read_csv_cached(path)


def read_csv_cached(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`read_csv`, but reuse ``<name>.npz`` beside the CSV while the CSV is unchanged."""
    path = Path(path)
    cache = path.with_suffix(".npz")
    stat = path.stat()
    stamp = np.array([stat.st_size, stat.st_mtime_ns], dtype=np.int64)
    cached = _read_cache(cache, stamp)
    if cached is not None:
        return cached
    images, labels = read_csv(path)
    try:
        with atomic_path(cache) as tmp:
            np.savez(tmp, images=images, labels=labels, stamp=stamp)
    except OSError:
        pass  # a read-only data directory only costs a re-parse next time
    return images, labels


def read_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Parse one Kaggle CSV into uint8 ``images`` (n, 28, 28) and ``labels`` (n,)."""
    values = _read_values(Path(path), HEADER)
    images = values[:, 1:].astype(np.uint8).reshape(-1, *IMAGE_SHAPE)
    return images, values[:, 0].astype(np.uint8)


def read_csv_images(path: Path) -> np.ndarray:
    """The uint8 images (n, 28, 28) of a Kaggle-style CSV whose ``label`` column may be left out."""
    path = Path(path)
    with open(path, "rb") as file:
        first = file.readline().decode("utf-8-sig", errors="replace").strip().split(",")[0].strip().strip('"')
    header = HEADER[1:] if first == "pixel1" else HEADER
    values = _read_values(path, header)
    return values[:, len(header) - NUM_PIXELS :].astype(np.uint8).reshape(-1, *IMAGE_SHAPE)


def _read_values(path: Path, header: tuple[str, ...]) -> np.ndarray:
    """The checked cells of a CSV with ``header``, one row per image."""
    raw = path.read_bytes()
    body = raw[_header_length(path, raw, header) :].rstrip(b"\r\n")
    if not body:
        raise DataError(f"{path}: no data rows after the header")
    _check_lines(path, body, header)
    frame = pd.read_csv(io.BytesIO(body), header=None, names=header, engine="c")
    values = _numeric_values(path, frame, header)
    _check_range(path, values, header)
    return values


def _read_cache(cache: Path, stamp: np.ndarray):
    try:
        with np.load(cache) as npz:
            if np.array_equal(npz["stamp"], stamp):
                return npz["images"], npz["labels"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # a damaged cache is rebuilt from the CSV
    return None


def _header_length(path: Path, raw: bytes, header: tuple[str, ...] = HEADER) -> int:
    """Check line 1 against ``header`` (``label,pixel1,...,pixel784``); return where the data starts."""
    end = raw.find(b"\n")
    end = len(raw) if end < 0 else end
    text = raw[:end].decode("utf-8-sig", errors="replace").strip()
    names = [name.strip().strip('"') for name in text.split(",")]
    if names == list(header):
        return end + 1
    expected = f"'{header[0]},{header[1]},...,pixel784'"
    if not text:
        raise DataError(f"{path}, line 1: missing header, expected {expected}")
    if names[0].isdigit():
        raise DataError(f"{path}, line 1: missing header {expected}; the file starts with data")
    if len(names) != len(header):
        raise DataError(f"{path}, line 1: header has {len(names)} columns, expected {len(header)} ({expected})")
    i = next(i for i, (got, want) in enumerate(zip(names, header)) if got != want)
    raise DataError(f"{path}, line 1: header column {i + 1} is {names[i]!r}, expected {header[i]!r}")


def _check_lines(path: Path, body: bytes, header: tuple[str, ...] = HEADER) -> None:
    """Every data line must be non-empty and hold exactly one field per ``header`` column."""
    chars = np.frombuffer(body, np.uint8)
    ends = np.append(np.flatnonzero(chars == _NEWLINE), chars.size)
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    blank = (lengths == 0) | ((lengths == 1) & (chars[np.minimum(starts, chars.size - 1)] == _CR))
    if blank.any():
        raise DataError(f"{path}, line {_line(np.argmax(blank))}: empty line")
    commas = np.add.reduceat((chars == _COMMA).view(np.uint8), starts, dtype=np.int64)
    wrong = np.flatnonzero(commas != len(header) - 1)
    if wrong.size:
        row = wrong[0]
        what = "label + 784 pixels" if header[0] == "label" else "784 pixels"
        raise DataError(f"{path}, line {_line(row)}: {commas[row] + 1} columns, expected {len(header)} ({what})")


def _numeric_values(path: Path, frame: pd.DataFrame, header: tuple[str, ...] = HEADER) -> np.ndarray:
    """The frame as a numeric array; any empty, non-numeric or fractional cell is an error."""
    suspect = [name for name, dtype in frame.dtypes.items() if dtype.kind not in "iu"]
    if not suspect:
        return frame.to_numpy(np.int64)
    problems = []  # (row, column index, message) of the first bad cell of each suspect column
    for name in suspect:
        cells = frame[name]
        numbers = pd.to_numeric(cells, errors="coerce")
        empty = cells.isna().to_numpy()
        non_numeric = numbers.isna().to_numpy() & ~empty
        fractional = (numbers.notna() & (numbers != np.floor(numbers))).to_numpy()
        for mask, what in (
            (empty, "empty cell"),
            (non_numeric, "non-numeric value {!r}"),
            (fractional, "value {} is not a whole number"),
        ):
            if mask.any():
                row = int(np.argmax(mask))
                problems.append((row, header.index(name), what.format(cells.iloc[row])))
    if problems:
        row, column, what = min(problems)
        raise DataError(f"{path}, line {_line(row)}, column '{header[column]}': {what}")
    return frame.apply(pd.to_numeric).to_numpy(np.float64)


def _check_range(path: Path, values: np.ndarray, header: tuple[str, ...] = HEADER) -> None:
    has_label = header[0] == "label"
    labels = values[:, 0] if has_label else np.zeros(len(values))
    bad = (labels < 0) | (labels >= NUM_CLASSES)
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(
            f"{path}, line {_line(row)}, column 'label': value {labels[row]:g} is outside 0..{NUM_CLASSES - 1}"
        )
    pixels = values[:, int(has_label) :]
    bad = (pixels < 0) | (pixels > 255)
    if bad.any():
        row, column = np.argwhere(bad)[0]
        raise DataError(
            f"{path}, line {_line(row)}, column '{header[column + int(has_label)]}': "
            f"value {pixels[row, column]:g} is outside 0..255"
        )


def _line(row: int) -> int:
    """File line number (1-based, header is line 1) of data row ``row`` (0-based)."""
    return int(row) + 2
