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
from fmnist.errors import MissingFileError
from fmnist.files import atomic_path
from fmnist.inference.trained_model import TrainedModel

#: The k-fold recipe: the original project's CNN, trained fold by fold as its recipe says.
OOF_RECIPE = "baseline"


def out_of_fold_probs(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    recipe: str = OOF_RECIPE,
    folds: int = 5,
    epochs: int | None = None,
    seed: int = SEED,
) -> np.ndarray:
    """Class probabilities (n, 10) for every image, each from the fold model that did not train on it."""
    from fmnist.training.recipes import get_recipe
    from fmnist.training.train import compiled_model, recipe_dataset

    recipe_spec = get_recipe(recipe)
    epochs = epochs or recipe_spec.epochs
    probs = np.zeros((len(images), NUM_CLASSES), dtype=np.float32)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fold, (fit_rows, held_out) in enumerate(splitter.split(images, labels)):
        keras.utils.set_random_seed(seed + fold)
        model = compiled_model(recipe_spec, images[fit_rows], epochs)
        train_data = recipe_dataset(recipe_spec, images[fit_rows], labels[fit_rows], training=True, seed=seed + fold)
        model.fit(train_data, epochs=epochs, shuffle=False, verbose=0)  # the dataset shuffles itself
        probs[held_out] = TrainedModel(model, recipe).predict(images[held_out])
        accuracy = np.mean(probs[held_out].argmax(axis=1) == labels[held_out])
        print(f"fold {fold + 1}/{folds}: held-out accuracy {accuracy:.4f}", flush=True)
    return probs


def save_probs(path: Path, probs: np.ndarray, recipe: str = OOF_RECIPE) -> None:
    """Write out-of-fold probabilities of ``recipe``'s fold models atomically, in float16, with its fingerprint."""
    from fmnist.training.recipes import fingerprint, get_recipe

    with atomic_path(path) as tmp:
        np.savez_compressed(tmp, probs=probs.astype(np.float16), recipe_sha256=fingerprint(get_recipe(recipe)))


def is_current(path: Path, recipe: str = OOF_RECIPE) -> bool:
    """Whether the out-of-fold probabilities in ``path`` come from ``recipe`` as it is now."""
    from fmnist.training.recipes import fingerprint, get_recipe

    if not Path(path).is_file():
        return False
    with np.load(path) as saved:
        return "recipe_sha256" in saved.files and str(saved["recipe_sha256"]) == fingerprint(get_recipe(recipe))


def load_probs(path: Path) -> np.ndarray:
    """Read probabilities written by :func:`save_probs`, with a clear error if there are none yet."""
    if not Path(path).is_file():
        raise MissingFileError(f"{path}: no out-of-fold probabilities yet; run `fmnist out-of-fold` (about 7 minutes)")
    with np.load(path) as saved:
        return saved["probs"].astype(np.float32)


def flagged(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Boolean mask of the images whose label confident learning counts as a likely error."""
    # a class no image is labelled with has no threshold: it is never the confident other class
    thresholds = np.array([probs[labels == c, c].mean() if np.any(labels == c) else np.inf for c in range(NUM_CLASSES)])
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


def suspects_of_splits(scored: dict[str, tuple[np.ndarray, np.ndarray]]) -> pd.DataFrame:
    """The flagged images of every split of ``{split: (probs, labels)}``, lowest probability of the given label first."""
    tables = [ranked_suspects(probs, labels, split) for split, (probs, labels) in scored.items()]
    return pd.concat(tables).sort_values("p_given", kind="stable", ignore_index=True)


def flagged_share(suspects: pd.DataFrame, split_sizes: dict[str, int]) -> pd.DataFrame:
    """Per split: how many images are flagged, and their share of the split's ``split_sizes`` images."""
    counts = suspects.groupby("split").size().reindex(list(split_sizes), fill_value=0)
    return pd.DataFrame({"flagged images": counts, "share": counts / pd.Series(split_sizes)})


def error_signals(probs: np.ndarray, labels: np.ndarray, seed_predictions: list[np.ndarray]) -> pd.DataFrame:
    """How many of a model's errors carry each sign of a doubtful label, with their share of all errors:
    flagged, made identically by every model in ``seed_predictions`` (the same recipe trained with
    several seeds, this model among them), or both."""
    predicted = probs.argmax(axis=1)
    errors = predicted != labels
    same_mistake = errors & np.all([seed == predicted for seed in seed_predictions], axis=0)
    flagged_errors = errors & flagged(probs, labels)
    counts = [errors.sum(), flagged_errors.sum(), same_mistake.sum(), (same_mistake & flagged_errors).sum()]
    table = pd.DataFrame(
        {"test errors": counts},
        index=["all", "flagged", f"all {len(seed_predictions)} seeds make the same mistake", "both"],
    )
    return table.assign(share=table["test errors"] / max(1, errors.sum()))


def write_suspects(path: Path, table: pd.DataFrame) -> None:
    """Write the ranked suspects as CSV, atomically, with a 1-based ``rank`` column first."""
    with atomic_path(path) as tmp:
        table.set_axis(pd.RangeIndex(1, len(table) + 1, name="rank")).to_csv(tmp, float_format="%.4f")
