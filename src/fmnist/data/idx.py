"""Read the original IDX files (``train-images-idx3-ubyte.gz`` and friends), gzipped or not."""

import gzip
import zlib
from pathlib import Path

import numpy as np

from fmnist.config import IMAGE_SHAPE, NUM_CLASSES
from fmnist.errors import DataError

IMAGES_MAGIC = 0x00000803  # unsigned bytes, 3 dimensions
LABELS_MAGIC = 0x00000801  # unsigned bytes, 1 dimension
GZIP_MAGIC = b"\x1f\x8b"

#: Base file names per split, as published by Zalando and cached by Keras.
IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def has_idx_files(directory: Path) -> bool:
    """True if ``directory`` holds at least one of the IDX files."""
    return any(
        (Path(directory) / name).exists() or (Path(directory) / f"{name}.gz").exists()
        for names in IDX_NAMES.values()
        for name in names
    )


def read_idx_split(directory: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(images, labels)`` of one split (``"train"`` or ``"test"``) from ``directory``."""
    images_name, labels_name = IDX_NAMES[split]
    images_file = _find(Path(directory), images_name)
    labels_file = _find(Path(directory), labels_name)
    images = _read_idx(images_file, IMAGES_MAGIC)
    labels = _read_idx(labels_file, LABELS_MAGIC)
    if images.shape[1:] != IMAGE_SHAPE:
        raise DataError(
            f"{images_file}: wrong image size {images.shape[1]}x{images.shape[2]} "
            f"(dimensions at byte offset 8), expected {IMAGE_SHAPE[0]}x{IMAGE_SHAPE[1]}"
        )
    if len(images) != len(labels):
        raise DataError(
            f"{images_file} holds {len(images)} images but {labels_file} holds "
            f"{len(labels)} labels; the counts must match"
        )
    bad = np.flatnonzero(labels >= NUM_CLASSES)
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{labels_file}: label {labels[i]} at byte offset {8 + i} (item {i}) is outside 0..{NUM_CLASSES - 1}"
        )
    return images, labels


def _find(directory: Path, name: str) -> Path:
    for candidate in (directory / f"{name}.gz", directory / name):
        if candidate.is_file():
            return candidate
    raise DataError(f"{directory / name}[.gz]: missing file")


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise DataError(f"{path}: truncated or corrupt gzip data ({err})") from err


def _read_idx(path: Path, magic: int) -> np.ndarray:
    raw = _read_bytes(path)
    kind = "images" if magic == IMAGES_MAGIC else "labels"
    if len(raw) < 4:
        raise DataError(f"{path}: only {len(raw)} bytes, too short for an IDX header")
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise DataError(
            f"{path}: wrong IDX magic number {found:#010x} at byte offset 0, expected {magic:#010x} ({kind})"
        )
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise DataError(
            f"{path}: truncated header: {ndim} dimensions need {header_size} bytes, "
            f"the data ends at byte offset {len(raw)}"
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected_size = header_size + int(np.prod(shape))
    if len(raw) < expected_size:
        raise DataError(
            f"{path}: truncated: the header promises {shape[0]} {kind} ({expected_size} bytes) "
            f"but the data ends at byte offset {len(raw)}"
        )
    if len(raw) > expected_size:
        raise DataError(
            f"{path}: {len(raw) - expected_size} unexpected bytes after the {shape[0]} {kind}, "
            f"from byte offset {expected_size}"
        )
    # A writable copy, like the arrays keras.datasets returns.
    return np.frombuffer(raw, np.uint8, offset=header_size).reshape(shape).copy()
