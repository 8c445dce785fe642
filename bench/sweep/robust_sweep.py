"""Validation-only runs of variants of the robust recipe (07_robustness): clean and corrupted validation accuracy.

Each run trains ``fast_cnn_robust`` with the given Recipe fields changed, in the project's own
trainer, then scores the validation split as the recipe predicts: all of it clean, and its first
1,000 images under every corruption outside the held-out families
(:data:`fmnist.analysis.corruptions.HELD_OUT_FAMILIES`), with the tuning seed, not the test seed.
The held-out families and the test set are never looked at. One JSON line is printed and appended
to the results file named by the second argument.

    python bench/sweep/robust_sweep.py '{"corrupt": 0.5}' bench/sweep/2026-12-02-robust.jsonl
    python bench/sweep/robust_sweep.py saved:fast_cnn bench/sweep/2026-12-02-robust.jsonl   # the committed default
"""

import dataclasses
import json
import sys
import tempfile

from fmnist.analysis.corruptions import CORRUPTIONS, HELD_OUT_FAMILIES
from fmnist.analysis.evaluate import evaluate
from fmnist.analysis.robustness import TUNING_SEED, predict_corrupted
from fmnist.config import SEED, VALIDATION_FRACTION, weights_path
from fmnist.data import load
from fmnist.data.pipeline import split_validation
from fmnist.inference.trained_model import TrainedModel
from fmnist.training.recipes import RECIPES
from fmnist.training.train import train

CORRUPTED_IMAGES = 1000

if sys.argv[1].startswith("saved:"):  # a committed model, trained with the same validation split held out
    model = TrainedModel.saved(sys.argv[1].removeprefix("saved:"))
    changes, seed = {"saved": model.card["model"]}, model.card["seed"]
    training_seconds = model.card["training_seconds"]
else:
    changes = json.loads(sys.argv[1])
    seed = changes.pop("seed", SEED)
    RECIPES["candidate"] = dataclasses.replace(RECIPES["fast_cnn_robust"], **changes)
    models_dir = tempfile.mkdtemp()
    training_seconds = train("candidate", seed=seed, models_dir=models_dir, verbose=0).card["training_seconds"]
    model = TrainedModel.load(weights_path("candidate", models_dir))

(x, y), _ = load()
_, (x_val, y_val) = split_validation(x, y, VALIDATION_FRACTION, seed)
clean = evaluate(model, x_val, y_val)
chosen = tuple(name for name, c in CORRUPTIONS.items() if c.family not in HELD_OUT_FAMILIES)
cells, predicted = predict_corrupted(model, x_val[:CORRUPTED_IMAGES], TUNING_SEED, chosen)
hits = (predicted == y_val[:CORRUPTED_IMAGES]).mean(axis=1)
per_corruption = {name: float(hits[[i for i, (n, _) in enumerate(cells) if n == name]].mean()) for name in chosen}
families = sorted({CORRUPTIONS[name].family for name in chosen})
line = {
    "changes": changes | {"seed": seed},
    "training_seconds": round(training_seconds, 1),
    "val_accuracy": round(clean.accuracy, 4),
    "val_shirt_recall": round(clean.per_class_recall["Shirt"], 4),
    "val_corrupted_mean": round(sum(per_corruption.values()) / len(per_corruption), 4),
    "val_corrupted_families": {
        family: round(
            sum(v for n, v in per_corruption.items() if CORRUPTIONS[n].family == family)
            / sum(CORRUPTIONS[n].family == family for n in per_corruption),
            4,
        )
        for family in families
    },
}
print(json.dumps(line))
with open(sys.argv[2], "a", encoding="utf-8") as results:
    results.write(json.dumps(line) + "\n")
