"""Find likely label errors: out-of-fold probabilities, then the labels the models disagree with.

Every training image is scored by a model that never saw it (k-fold cross-validation); the
test images are scored by the final model. An image is *flagged* the way confident learning
(Northcutt et al., 2021) counts label errors: some other class gets at least the average
probability that the images labelled with that class get, and more than the given class does.
Images are ranked by the probability of their given label, lowest first.
"""

from pathlib import Path

import keras
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from fmnist.config import CLASS_NAMES, NUM_CLASSES, SEED
from fmnist.evaluate import predict_proba
from fmnist.files import atomic_path

#: The k-fold recipe: the seed's CNN, 10 epochs per fold (about 1.3 minutes each on a 2-core CPU).
OOF_RECIPE = "baseline"


def out_of_fold_probs(
    images: np.ndarray, labels: np.ndarray, *, recipe: str = OOF_RECIPE, folds: int = 5, epochs: int | None = None,
    seed: int = SEED,
) -> np.ndarray:
    """Class probabilities (n, 10) for every image, each from the fold model that did not train on it."""
    from fmnist.recipes import get_recipe
    from fmnist.train import compiled_model, recipe_dataset

    recipe_spec = get_recipe(recipe)
    epochs = epochs or recipe_spec.epochs
    probs = np.zeros((len(images), NUM_CLASSES), dtype=np.float32)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (fit_rows, held_out) in enumerate(splitter.split(images, labels)):
        keras.utils.set_random_seed(seed + fold)
        model = compiled_model(recipe_spec, len(fit_rows), epochs)
        train_data = recipe_dataset(recipe_spec, images[fit_rows], labels[fit_rows], training=True, seed=seed + fold)
        model.fit(train_data, epochs=epochs, shuffle=False, verbose=0)  # the dataset shuffles itself
        probs[held_out] = predict_proba(model, images[held_out], recipe_spec.flip_tta)
        accuracy = np.mean(probs[held_out].argmax(axis=1) == labels[held_out])
        print(f"fold {fold + 1}/{folds}: held-out accuracy {accuracy:.4f}", flush=True)
    return probs


def save_probs(path: Path, probs: np.ndarray) -> None:
    """Write out-of-fold probabilities atomically (compressed ``.npz``, array ``probs``)."""
    with atomic_path(path) as tmp:
        np.savez_compressed(tmp, probs=probs)


def load_probs(path: Path) -> np.ndarray:
    """Read probabilities written by :func:`save_probs`, with a clear error if there are none yet."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no out-of-fold probabilities yet; run `fmnist out-of-fold` (about 7 minutes)")
    with np.load(path) as saved:
        return saved["probs"]


def flagged(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Boolean mask of the images whose label confident learning counts as a likely error."""
    thresholds = np.array([probs[labels == c, c].mean() for c in range(NUM_CLASSES)])
    confident = np.where(probs >= thresholds, probs, -1.0)
    suspect_class = confident.argmax(axis=1)
    has_confident = confident.max(axis=1) >= 0
    return has_confident & (suspect_class != labels)


def ranked_suspects(probs: np.ndarray, labels: np.ndarray, split: str) -> pd.DataFrame:
    """The flagged images of one split, lowest probability of the given label first."""
    rows = np.flatnonzero(flagged(probs, labels))
    predicted = probs[rows].argmax(axis=1)
    table = pd.DataFrame(
        {
            "split": split,
            "index": rows,
            "given_label": [CLASS_NAMES[c] for c in labels[rows]],
            "predicted_label": [CLASS_NAMES[c] for c in predicted],
            "p_given": probs[rows, labels[rows]],
            "p_predicted": probs[rows, predicted],
        }
    )
    return table.sort_values("p_given", kind="stable").reset_index(drop=True)


def write_suspects(path: Path, table: pd.DataFrame) -> None:
    """Write the ranked suspects as CSV, atomically, with a 1-based ``rank`` column first."""
    with atomic_path(path) as tmp:
        table.set_axis(pd.RangeIndex(1, len(table) + 1, name="rank")).to_csv(tmp, float_format="%.4f")
