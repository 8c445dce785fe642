"""How much accuracy survives the trip through a photo: images rendered under each condition of
:mod:`fmnist.analysis.renders`, saved as JPEG, read back by :func:`fmnist.inference.photos.load_photo`, then classified.

``split="held out"`` (06's table) renders test images under :data:`renders.HELD_OUT` with each image's
index as its seed; ``split="tuning"`` renders validation images under :data:`renders.TUNING` with other
seeds: the set the photo steps were tuned on, never reported as their accuracy.
"""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist.analysis import renders
from fmnist.config import SEED
from fmnist.data.pipeline import split_validation
from fmnist.inference.photos import PhotoError, load_photo
from fmnist.inference.trained_model import TrainedModel


def images_for(
    split: str, train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """The images and labels a split renders: the test set (held out) or the validation split (tuning)."""
    if split == "held out":
        return test
    if split == "tuning":
        return split_validation(*train)[1]
    raise ValueError(f"unknown split {split!r}: 'held out' or 'tuning'")


def seen_through_photos(
    images: np.ndarray, labels: np.ndarray, indices: np.ndarray, condition: renders.Condition, seed_offset: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The images at ``indices`` rendered under ``condition`` (seed: index + ``seed_offset``), saved as JPEG
    and read back: uint8 (n, 28, 28), and whether an item was found in each (one without is left black)."""
    with tempfile.TemporaryDirectory() as scratch:
        paths = renders.write_photos(images, labels, indices, Path(scratch), condition, seed_offset)
        seen, found = np.zeros((len(paths), *images.shape[1:]), np.uint8), np.ones(len(paths), bool)
        for i, path in enumerate(paths):
            try:
                seen[i] = load_photo(path)
            except PhotoError:
                found[i] = False
    return seen, found


def photos_of_renders(
    images: np.ndarray, labels: np.ndarray, count: int, split: str = "held out", seed: int = SEED
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same ``count`` random images under each condition of ``split``, through the photo steps:
    their indices, the images seen (conditions, count, 28, 28) and whether an item was found in each."""
    chosen = np.sort(np.random.default_rng(seed).choice(len(images), count, replace=False))
    offset = 0 if split == "held out" else renders.TUNING_SEED_OFFSET
    seen, found = zip(
        *(
            seen_through_photos(images, labels, chosen, condition, offset)
            for condition in renders.conditions_for(split).values()
        )
    )
    return chosen, np.stack(seen), np.stack(found)


def render_table(right: np.ndarray, found: np.ndarray, as_is: float, split: str = "held out") -> pd.DataFrame:
    """One row per condition of ``split`` from whether each photo was classified right (conditions, count):
    accuracy, points below the dataset's images (``as_is``), and how many photos had no item found."""
    right = right & found
    rows = [
        {
            "condition": name,
            "accuracy": float(np.mean(r)),
            "points below the dataset's images": 100 * (as_is - np.mean(r)),
            "no item found": int(np.sum(~f)),
        }
        for name, r, f in zip(renders.conditions_for(split), right, found)
    ]
    table = pd.DataFrame(rows).set_index("condition")
    table.attrs["as in the dataset"] = as_is
    return table


def accuracy_on_renders(
    model: TrainedModel,
    images: np.ndarray,
    labels: np.ndarray,
    count: int,
    split: str = "held out",
    seed: int = SEED,
) -> pd.DataFrame:
    """Accuracy on the same ``count`` random images under each condition of ``split``, beside the images
    as the dataset has them (:func:`render_table`)."""
    chosen, seen, found = photos_of_renders(images, labels, count, split, seed)
    truth = labels[chosen]
    # One prediction call for all of them: the inference model is built and traced once.
    right = model.predict(np.concatenate([images[chosen], *seen])).argmax(axis=1).reshape(-1, count) == truth
    return render_table(right[1:], found, float(np.mean(right[0])), split)
