"""``fmnist predict``: classify image files, folders of them and Kaggle-style CSVs, and report the top classes.

Files that cannot be used are reported one line each and skipped; the rest are still classified.
"""

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fmnist.config import CLASS_NAMES, IMAGE_SHAPE
from fmnist.data.csv import read_csv_images
from fmnist.data.errors import DataError
from fmnist.photos import IMAGE_SUFFIXES, PhotoError, load_photo

FORMATS = ("table", "csv", "json")
#: Report progress on stderr when there are more inputs than this.
PROGRESS_AFTER = 200


@dataclass
class Inputs:
    """The images gathered from the given paths, each with the name it is reported by, and the failures."""

    names: list[str] = field(default_factory=list)
    images: list[np.ndarray] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # one message per file that could not be used


def gather(paths: list[Path], progress=sys.stderr) -> Inputs:
    """Read every image the ``paths`` name: image files, folders (searched recursively) and CSVs."""
    inputs = Inputs()
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
            if not found:
                inputs.failures.append(f"{path}: a folder with no images ({', '.join(IMAGE_SUFFIXES)})")
            files += found
        else:
            files.append(path)
    for count, path in enumerate(files, start=1):
        try:
            if path.suffix.lower() == ".csv":
                images = read_csv_images(path)
                inputs.names += [f"{path}:{row}" for row in range(2, len(images) + 2)]  # file line of each image
                inputs.images += list(images)
            else:
                inputs.images.append(load_photo(path))
                inputs.names.append(str(path))
        except (PhotoError, DataError) as err:
            inputs.failures.append(str(err))
        except OSError as err:
            inputs.failures.append(f"{path}: cannot be read ({err.strerror or err})")
        if len(files) > PROGRESS_AFTER and (count % PROGRESS_AFTER == 0 or count == len(files)):
            print(f"read {count:,} of {len(files):,} files", file=progress, flush=True)
    return inputs


def top_k(probs: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
    """The ``k`` most probable classes of each row of ``probs``, as (class name, probability)."""
    order = np.argsort(-probs, axis=1, kind="stable")[:, :k]
    return [[(CLASS_NAMES[c], float(row[c])) for c in ranks] for row, ranks in zip(probs, order)]


def render(names: list[str], ranked: list[list[tuple[str, float]]], fmt: str) -> str:
    """The predictions as a table, CSV (``path,label,probability,label_2,probability_2,...``) or JSON."""
    k = len(ranked[0]) if ranked else 1
    if fmt == "json":
        rows = [{"path": name, "predictions": [{"label": label, "probability": round(p, 6)} for label, p in top]}
                for name, top in zip(names, ranked)]
        return json.dumps(rows, indent=2)
    if fmt == "csv":
        header = ["path", "label", "probability"] + [f"{col}_{i}" for i in range(2, k + 1) for col in ("label", "probability")]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for name, top in zip(names, ranked):
            writer.writerow([name, *(cell for label, p in top for cell in (label, f"{p:.6f}"))])
        return out.getvalue().rstrip("\n")
    width = max([len("path"), *map(len, names)])
    lines = [f"{'path':<{width}}  prediction"]
    lines += [f"{name:<{width}}  " + ", ".join(f"{label} {p:.1%}" for label, p in top) for name, top in zip(names, ranked)]
    return "\n".join(lines)


def as_batch(images: list[np.ndarray]) -> np.ndarray:
    """The gathered images as one uint8 array (n, 28, 28)."""
    return np.stack(images).astype(np.uint8) if images else np.zeros((0, *IMAGE_SHAPE), np.uint8)
