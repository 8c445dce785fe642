"""How close the validation and test images lie to the training images: is the validation split easier
because it holds near-copies of training images that the test set does not?

For every image of the project's validation split (seed 42, 10%) and of the test set, the Euclidean
distance (pixels scaled to [0, 1]) to its nearest image among the 54,000 training images, and the
share of each set within a few distances. Used for section 14 of bench/README.md.

    python bench/sweep/nearest_neighbours.py >> bench/sweep/2026-12-05-nearest-neighbours.jsonl
"""

import json

import numpy as np

from fmnist.config import SEED, VALIDATION_FRACTION
from fmnist.data import locate
from fmnist.data.pipeline import split_validation

THRESHOLDS = (1, 2, 3, 4)


def nearest_distances(images: np.ndarray, reference: np.ndarray, chunk: int = 500) -> np.ndarray:
    """Each image's distance to its nearest image in ``reference`` (uint8 arrays, scaled here to [0, 1])."""
    a = images.reshape(len(images), -1).astype(np.float32) / 255
    b = reference.reshape(len(reference), -1).astype(np.float32) / 255
    b_norms = (b * b).sum(axis=1)
    distances = np.empty(len(a), np.float32)
    for start in range(0, len(a), chunk):
        part = a[start : start + chunk]
        squared = (part * part).sum(axis=1)[:, None] + b_norms[None] - 2 * part @ b.T
        distances[start : start + chunk] = np.sqrt(np.maximum(squared.min(axis=1), 0))
    return distances


(x, y), (x_test, _) = locate(None).read()
(x_train, _), (x_val, _) = split_validation(x, y, VALIDATION_FRACTION, SEED)
result = {"seed": SEED, "training_images": len(x_train)}
for name, images in (("validation", x_val), ("test", x_test)):
    distances = nearest_distances(images, x_train)
    result[name] = {
        "images": len(images),
        "median_distance": round(float(np.median(distances)), 3),
        "share_within": {str(t): round(float((distances < t).mean()), 4) for t in THRESHOLDS},
    }
print(json.dumps(result))
