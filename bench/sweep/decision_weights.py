"""Validation accuracy and Shirt recall of a saved model when Shirt's probability is multiplied by
each factor of a grid before the decision (the recipe's ``decision_weights``).

Used for section 13 of bench/README.md. It scores the validation split of the model's seed only,
never the test set; the model must have been trained on that split (the line of 2026-12-04 scored
``fast_cnn`` as committed before it had decision weights: seed 42, the project's 10% validation
split). It starts from the probabilities before any decision weights of the model's recipe.

    python bench/sweep/decision_weights.py fast_cnn 42 >> bench/sweep/2026-12-04-decision-weights.jsonl
"""

import json
import sys

import numpy as np

from fmnist.config import CLASS_NAMES
from fmnist.data import locate
from fmnist.data.pipeline import split_validation
from fmnist.inference.trained_model import TrainedModel
from fmnist.inference.views import predict_proba

name, seed = sys.argv[1], int(sys.argv[2])
model = TrainedModel.saved(name)
(x, y), _ = locate(None).read()
_, (x_val, y_val) = split_validation(x, y, model.recipe.validation_fraction, seed)
probs = predict_proba(model.network, x_val, model.views)  # unweighted: the grid does the weighting
shirt = CLASS_NAMES.index("Shirt")
scores = []
for factor in np.round(np.arange(1.0, 2.01, 0.1), 1):
    predicted = (probs * np.where(np.arange(len(CLASS_NAMES)) == shirt, factor, 1.0)).argmax(axis=1)
    recall = {name: float(np.mean(predicted[y_val == c] == c)) for c, name in enumerate(CLASS_NAMES)}
    scores.append(
        {
            "shirt_factor": float(factor),
            "val_accuracy": round(float(np.mean(predicted == y_val)), 4),
            "val_recall": {
                name: round(value, 4)
                for name, value in recall.items()
                if name in ("Shirt", "T-shirt/top", "Pullover", "Coat")
            },
        }
    )
print(json.dumps({"model": name, "seed": seed, "validation_images": len(y_val), "scores": scores}))
