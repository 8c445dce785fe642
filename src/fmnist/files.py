"""Writing files atomically, so an interrupted write never leaves a partial file, and never over an earlier one."""

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary file beside ``path``; it replaces ``path`` only if the block succeeds.

    Readers therefore see either the old file or the complete new one, never a partial write.
    The temporary name keeps ``path``'s suffixes (``.weights.h5``), so writers that check them
    (Keras, NumPy) accept it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = "".join(path.suffixes)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name.removesuffix(suffix)}.", suffix=suffix)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb") as written:
            os.fsync(written.fileno())
        os.chmod(tmp, 0o666 & ~_current_umask())  # mkstemp makes it private (0600)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: Path, obj: object) -> None:
    """Write ``obj`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2) + "\n", encoding="utf-8")


def read_json(path: Path) -> object:
    """Read a JSON file written by :func:`write_json`."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def unused_stem(directory: Path, stem: str, suffix: str) -> str:
    """``stem``, else ``stem-run2``, ``stem-run3``, ...: the first with no ``<it><suffix>`` in ``directory``.

    Results of a second run on the same day then sit beside the first instead of replacing them.
    """
    name, run = stem, 1
    while (Path(directory) / f"{name}{suffix}").exists():
        run += 1
        name = f"{stem}-run{run}"
    return name
