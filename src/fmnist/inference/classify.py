"""``fmnist predict``: classify image files, folders of them and Kaggle-style CSVs, and report the top classes.

Files that cannot be used are reported one line each and skipped; the rest are still classified. A photo
whose item may be wrongly found gets a warning line; ``--save-inputs`` writes the 28x28 image the model saw.
"""

import csv
import io
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import numpy as np

from fmnist.config import CLASS_NAMES, IMAGE_SHAPE
from fmnist.data.csv import read_csv_images
from fmnist.errors import DataError
from fmnist.files import atomic_path
from fmnist.inference.photos import IMAGE_SUFFIXES, PhotoError, prepare_photo

FORMATS = ("table", "csv", "json")
#: Report progress on stderr when there are more inputs than this.
PROGRESS_AFTER = 200


@dataclass
class Inputs:
    """The images gathered from the given paths, each with the name it is reported by, and the failures."""

    names: list[str] = field(default_factory=list)
    images: list[np.ndarray] = field(default_factory=list)
    boxes: list[tuple[int, int, int, int] | None] = field(default_factory=list)  # where each photo's item is
    warnings: list[str] = field(default_factory=list)  # one message per photo whose item may be wrongly found
    failures: list[str] = field(default_factory=list)  # one message per file that could not be used


def gather(paths: list[Path], progress: TextIO = sys.stderr) -> Inputs:
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
                inputs.boxes += [None] * len(images)
            else:
                photo = prepare_photo(path)
                inputs.names.append(str(path))
                inputs.images.append(photo.image)
                inputs.boxes.append(photo.box)
                if photo.warning:
                    inputs.warnings.append(f"{path}: {photo.warning}")
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


def render(names: list[str], ranked: list[list[tuple[str, float]]], fmt: str, boxes: list | None = None) -> str:
    """The predictions as a table, CSV (``path,label,probability,label_2,probability_2,...``) or JSON (with
    each photo's ``box``: where its item was found, in pixels of the photo; null for CSV rows)."""
    k = len(ranked[0]) if ranked else 1
    if fmt == "json":
        boxes = boxes or [None] * len(names)
        rows = [
            {
                "path": name,
                "box": dict(zip(("left", "top", "width", "height"), box)) if box else None,
                "predictions": [{"label": label, "probability": round(p, 6)} for label, p in top],
            }
            for name, top, box in zip(names, ranked, boxes)
        ]
        return json.dumps(rows, indent=2)
    if fmt == "csv":
        header = ["path", "label", "probability"] + [
            f"{col}_{i}" for i in range(2, k + 1) for col in ("label", "probability")
        ]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for name, top in zip(names, ranked):
            writer.writerow([name, *(cell for label, p in top for cell in (label, f"{p:.6f}"))])
        return out.getvalue().rstrip("\n")
    width = max([len("path"), *map(len, names)])
    lines = [f"{'path':<{width}}  prediction"]
    lines += [
        f"{name:<{width}}  " + ", ".join(f"{label} {p:.1%}" for label, p in top) for name, top in zip(names, ranked)
    ]
    return "\n".join(lines)


def as_batch(images: list[np.ndarray]) -> np.ndarray:
    """The gathered images as one uint8 array (n, 28, 28)."""
    return np.stack(images).astype(np.uint8) if images else np.zeros((0, *IMAGE_SHAPE), np.uint8)


def save_inputs(names: list[str], images: list[np.ndarray], directory: Path) -> list[Path]:
    """Write each image the model classified as a 28x28 PNG in ``directory``, named after its input
    (``photos/shirt.jpg`` becomes ``photos_shirt.jpg.png``; a CSV row ``a.csv:2`` becomes ``a.csv_2.png``)."""
    from PIL import Image

    directory = Path(directory)
    paths, taken = [], set()
    for name, image in zip(names, images):
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_.") or "image"
        unique, n = stem, 1
        while unique in taken:
            n += 1
            unique = f"{stem}-{n}"
        taken.add(unique)
        paths.append(directory / f"{unique}.png")
        with atomic_path(paths[-1]) as tmp:
            Image.fromarray(image).save(tmp, format="PNG")
    return paths
