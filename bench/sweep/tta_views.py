"""Validation accuracy of a saved model under more test-time views than its recipe's ten: the
diagonal one-pixel moves and the two-pixel moves too, each view at the weight given below.

Used for section 12 of bench/README.md. It scores the validation split of the model's seed only,
never the test set; the model must have been trained on that split (the line of 2026-12-04 scored
``fast_cnn`` as committed then: seed 42, the project's 10% validation split). It averages the
probabilities before any decision weights of the model's recipe.

    python bench/sweep/tta_views.py fast_cnn 42 >> bench/sweep/2026-12-04-tta-views.jsonl
"""

import json
import sys

import numpy as np

from fmnist.data import locate
from fmnist.data.pipeline import split_validation
from fmnist.data.transforms import mirror, shift
from fmnist.inference.trained_model import TrainedModel
from fmnist.inference.views import SHIFTS, predict_proba

name, seed = sys.argv[1], int(sys.argv[2])
(x, y), _ = locate(None).read()
model = TrainedModel.saved(name)
_, (x_val, y_val) = split_validation(x, y, model.recipe.validation_fraction, seed)
images = x_val[..., None]
probs = {
    (flip, rows, cols): predict_proba(
        model.network, np.asarray(shift(mirror(images) if flip else images, rows, cols))[..., 0]
    )
    for flip in (False, True)
    for rows in range(-2, 3)
    for cols in range(-2, 3)
}


def score(weights: dict) -> dict:
    mean = sum(weight * probs[view] for view, weight in weights.items())
    predicted = mean.argmax(axis=1)
    return {
        "views": len(weights),
        "val_accuracy": round(float(np.mean(predicted == y_val)), 4),
        "val_shirt_recall": round(float(np.mean(predicted[y_val == 6] == 6)), 4),
    }


def moves(offsets: list, weight: float) -> dict:
    return {(flip, r, c): weight for flip in (False, True) for r, c in offsets}


flips = moves([(0, 0)], 1.0)
one = moves(list(SHIFTS.values()), 0.5)  # the recipe's shifted views
diagonal = moves([(-1, -1), (-1, 1), (1, -1), (1, 1)], 0.5)
two = moves([(-2, 0), (2, 0), (0, -2), (0, 2)], 0.25)
sets = {
    "plain": {(False, 0, 0): 1.0},
    "flips": flips,
    "recipe: flips and one-pixel moves at half weight": flips | one,
    "plus the diagonal moves at half weight": flips | one | diagonal,
    "plus two-pixel moves at quarter weight": flips | one | diagonal | two,
    "every move of up to two pixels, equal weights": {view: 1.0 for view in probs},
}
print(json.dumps({"model": name, "seed": seed, "scores": {label: score(w) for label, w in sets.items()}}))
