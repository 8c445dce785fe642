"""The saved training runs behind ``04_error_analysis`` and ``05_improvements``: train each once, record, read.

An experiment trains one recipe with one seed (``fmnist experiments NAME``) and records its
test-set class probabilities beside the model card: as its recipe predicts, and for the rows that
ask, from fewer views (the image and its mirror image; the image alone), as float16 log-probabilities
(far smaller than float32, and every image keeps its top class). Every row of
the comparison table, the test-time averaging ablation and the ensemble are computed from those
files, so the notebooks never retrain anything to show them.

A record names what it was made from: the SHA-256 of the weights it scored and the fingerprint of
the recipe that trained them (:func:`fmnist.training.recipes.fingerprint`). :func:`is_current` compares
them with what is there now, so a retrained committed model, or a changed recipe, makes its record
out of date, and ``fmnist regenerate`` rescores (or retrains) exactly those.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist import markdown
from fmnist.analysis.evaluate import evaluate_probs
from fmnist.config import LOOKALIKE_CLASSES, MODELS_DIR, SEED, card_path, weights_path
from fmnist.data import load
from fmnist.errors import MissingFileError, UsageError
from fmnist.files import atomic_path, read_json
from fmnist.inference.model_files import is_current as is_current_card
from fmnist.inference.model_files import sha256
from fmnist.inference.trained_model import TrainedModel
from fmnist.inference.views import views_of
from fmnist.tools.readme import update_block
from fmnist.training.recipes import DEFAULT_MODEL, fingerprint, get_recipe
from fmnist.training.train import train

#: Trained experiment models (git-ignored) and their results files (committed).
EXPERIMENTS_DIR = MODELS_DIR / "experiments"
#: How much test-time averaging a recorded prediction used: as the recipe predicts, flips only, none.
TTA_LEVELS = ("recipe", "flips", "none")


@dataclass(frozen=True)
class Experiment:
    """One training run: a recipe from :data:`fmnist.training.recipes.RECIPES`, a seed, and what it tests."""

    recipe: str
    description: str
    seed: int = SEED
    also_without_tta: bool = False  # add rows predicting with less test-time averaging


EXPERIMENTS = {
    "baseline": Experiment("baseline", "the original project's CNN"),
    "fast_cnn": Experiment(
        "fast_cnn",
        "default: fast_cnn (1 convolution per stage, AdamW, weight averaging, flip and shift TTA)",
        also_without_tta=True,
    ),
    "fast_cnn-seed1": Experiment("fast_cnn", "default, seed 1 (ensemble member)", seed=1),
    "fast_cnn-seed2": Experiment("fast_cnn", "default, seed 2 (ensemble member)", seed=2),
    "vgg_bn": Experiment(
        "vgg_bn", "an earlier default: 2 convolutions per stage, SGD, 24 epochs", also_without_tta=True
    ),
    "vgg_bn_deep": Experiment("vgg_bn_deep", "vgg_bn, deeper: 3 convolutions per stage instead of 2"),
    "vgg_bn_no_flip": Experiment("vgg_bn_no_flip", "vgg_bn without flip augmentation", also_without_tta=True),
    "vgg_bn_no_shift": Experiment("vgg_bn_no_shift", "vgg_bn without shift augmentation"),
    "vgg_bn_no_augment": Experiment("vgg_bn_no_augment", "vgg_bn without any augmentation", also_without_tta=True),
    "vgg_bn-seed1": Experiment("vgg_bn", "vgg_bn, seed 1", seed=1),
    "vgg_bn-seed2": Experiment("vgg_bn", "vgg_bn, seed 2", seed=2),
    "fast_cnn_robust": Experiment("fast_cnn_robust", "the default trained on corrupted images too (07_robustness)"),
    "fast_cnn_robust-seed1": Experiment("fast_cnn_robust", "fast_cnn_robust, seed 1", seed=1),
    "fast_cnn_robust-seed2": Experiment("fast_cnn_robust", "fast_cnn_robust, seed 2", seed=2),
}
ENSEMBLE = ("fast_cnn", "fast_cnn-seed1", "fast_cnn-seed2")
#: The README block that :func:`update_readme` fills.
README_BLOCK = "answers"
#: Out-of-fold probabilities of the training images (``fmnist out-of-fold``), for 04's label errors.
OOF_PATH = EXPERIMENTS_DIR / "train_oof_probs.npz"


def catalogue(experiments_dir: Path = EXPERIMENTS_DIR) -> pd.DataFrame:
    """One row per experiment: its recipe, seed, what it tests, and whether its results are recorded."""
    rows = {
        name: {
            "recipe": e.recipe,
            "seed": e.seed,
            "what it tests": e.description,
            "recorded": probs_path(name, experiments_dir).is_file(),
        }
        for name, e in EXPERIMENTS.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("experiment")


def probs_path(name: str, experiments_dir: Path = EXPERIMENTS_DIR) -> Path:
    """Recorded test-set probabilities of experiment ``name`` (:func:`record` says what it holds)."""
    return Path(experiments_dir) / f"{name}.test_probs.npz"


def tta_levels(name: str) -> tuple[str, ...]:
    """The levels of :data:`TTA_LEVELS` that experiment ``name``'s record holds."""
    experiment = EXPERIMENTS[name]
    recipe = get_recipe(experiment.recipe)
    if not experiment.also_without_tta:
        return ("recipe",)
    return ("recipe", "flips", "none") if recipe.shift_tta else ("recipe", "none")


def _views(recipe_name: str, tta: str) -> tuple[str, ...]:
    views = views_of(recipe_name)
    return {"recipe": views, "flips": views[:2], "none": views[:1]}[tta]


def record(
    name: str,
    *,
    source: Path | None = None,
    experiments_dir: Path = EXPERIMENTS_DIR,
    models_dir: Path = MODELS_DIR,
    train_missing: bool = True,
) -> Path:
    """Record experiment ``name``'s test probabilities unless its record is current (:func:`is_current`); return its path.

    The committed models in ``models_dir`` are the runs ``baseline``, ``fast_cnn`` and ``vgg_bn``
    (same recipe, same seed), so those are scored, not retrained; the others are trained into
    ``experiments_dir`` first when their weights are not there or no longer match the recipe.
    """
    if name not in EXPERIMENTS:
        raise UsageError(f"unknown experiment {name!r}; choose one of: {', '.join(EXPERIMENTS)}")
    experiment = EXPERIMENTS[name]
    target = probs_path(name, experiments_dir)
    if is_current(name, experiments_dir, models_dir):
        return target
    weights = trained_weights(
        name, source=source, experiments_dir=experiments_dir, models_dir=models_dir, train_missing=train_missing
    )
    model = TrainedModel.load(weights)
    _, (x_test, _) = load(source)
    probs = {tta: _compact(model.predict(x_test, _views(experiment.recipe, tta))) for tta in tta_levels(name)}
    with atomic_path(target) as tmp:
        np.savez_compressed(
            tmp,
            **probs,
            training_seconds=model.card["training_seconds"],
            weights_sha256=sha256(weights),
            recipe_sha256=fingerprint(get_recipe(experiment.recipe)),
        )
    return target


def trained_weights(
    name: str,
    *,
    source: Path | None = None,
    experiments_dir: Path = EXPERIMENTS_DIR,
    models_dir: Path = MODELS_DIR,
    train_missing: bool = True,
) -> Path:
    """The weights file of experiment ``name`` as its recipe trains them now, trained into ``experiments_dir`` if missing."""
    saved_in = weights_dir(name, experiments_dir, models_dir)
    if saved_in is None:
        if not train_missing:
            raise MissingFileError(
                f"{weights_path(name, experiments_dir)}: missing or out of date, and retraining {name} was not asked for"
            )
        experiment = EXPERIMENTS[name]
        train(experiment.recipe, save_as=name, seed=experiment.seed, source=source, models_dir=experiments_dir)
        saved_in = experiments_dir
    return weights_path(name, saved_in)


def is_committed(name: str, models_dir: Path = MODELS_DIR) -> bool:
    """Whether ``name`` is one of the committed models in ``models_dir`` (weights and card)."""
    return card_path(name, models_dir).is_file() and weights_path(name, models_dir).is_file()


def weights_dir(name: str, experiments_dir: Path = EXPERIMENTS_DIR, models_dir: Path = MODELS_DIR) -> Path | None:
    """Where experiment ``name``'s trained weights are, as its recipe trains them now; None if nowhere."""
    experiment = EXPERIMENTS[name]
    for directory in (models_dir, experiments_dir):
        card = card_path(name, directory)
        if weights_path(name, directory).is_file() and card.is_file():
            card = read_json(card)
            if card["recipe_name"] == experiment.recipe and card["seed"] == experiment.seed and is_current_card(card):
                return Path(directory)
    return None


def is_current(name: str, experiments_dir: Path = EXPERIMENTS_DIR, models_dir: Path = MODELS_DIR) -> bool:
    """Whether experiment ``name``'s record was made from what is there now.

    Its recipe's fingerprint must be the one recorded, and where the weights it scored are at hand
    (always, for the committed models), their SHA-256 too; an experiment model that was trained and
    deleted (they are git-ignored) keeps its record until its recipe changes.
    """
    path = probs_path(name, experiments_dir)
    if not path.is_file():
        return False
    with np.load(path) as saved:
        if "recipe_sha256" not in saved or set(tta_levels(name)) - set(saved.files):
            return False
        made_from = str(saved["recipe_sha256"]), str(saved["weights_sha256"])
    return made_from_current(name, *made_from, experiments_dir, models_dir)


def made_from_current(
    name: str, recipe_sha256: str, weights_sha256: str, experiments_dir: Path, models_dir: Path
) -> bool:
    """Whether a record of experiment ``name`` made from that recipe fingerprint and those weights is current
    (:func:`is_current` says the rule); every record of an experiment's weights uses it."""
    if recipe_sha256 != fingerprint(get_recipe(EXPERIMENTS[name].recipe)):
        return False
    saved_in = weights_dir(name, experiments_dir, models_dir)
    if saved_in is None:
        return not is_committed(name, models_dir)  # a committed model whose recipe changed must be retrained first
    return weights_sha256 == sha256(weights_path(name, saved_in))


def recorded_probs(name: str, tta: str = "recipe", experiments_dir: Path = EXPERIMENTS_DIR) -> np.ndarray:
    """Recorded test probabilities (float32) of experiment ``name``, with test-time averaging ``tta`` (:data:`TTA_LEVELS`)."""
    path = probs_path(name, experiments_dir)
    if not path.is_file():
        raise MissingFileError(f"{path}: no results for experiment {name!r}; run `fmnist experiments {name}`")
    recipe = EXPERIMENTS[name].recipe
    if _views(recipe, tta) == _views(recipe, "recipe"):
        tta = "recipe"  # e.g. the baseline, which predicts from the image alone anyway
    with np.load(path) as saved:
        if tta not in saved.files:
            raise UsageError(f"{path}: holds no predictions with test-time averaging {tta!r}, only {tta_levels(name)}")
        probs = np.exp(saved[tta].astype(np.float32))
    return probs / probs.sum(axis=1, keepdims=True)


def _compact(probs: np.ndarray) -> np.ndarray:
    """Probabilities as float16 logarithms, as records keep them (:func:`recorded_probs` reads them back).

    Where rounding ties the top class with another (a near tie to start with), the top class is
    moved up by one float16 step, so every image keeps its predicted class.
    """
    compact = np.log(np.maximum(probs, 1e-30)).astype(np.float16)
    top = probs.argmax(axis=1)
    tipped = np.flatnonzero(compact.argmax(axis=1) != top)
    compact[tipped, top[tipped]] = np.nextafter(compact[tipped].max(axis=1), np.float16(np.inf))
    return compact


def training_seconds(name: str, experiments_dir: Path = EXPERIMENTS_DIR) -> float:
    """Training time recorded for experiment ``name``."""
    with np.load(probs_path(name, experiments_dir)) as saved:
        return float(saved["training_seconds"])


def score(probs: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Test accuracy, then the recall of each of :data:`fmnist.config.LOOKALIKE_CLASSES`."""
    result = evaluate_probs(probs, labels)
    return {
        "test accuracy": result.accuracy,
        **{f"{cls} recall": result.per_class_recall[cls] for cls in LOOKALIKE_CLASSES},
    }


def comparison(labels: np.ndarray, experiments_dir: Path = EXPERIMENTS_DIR) -> pd.DataFrame:
    """One row per model: every recorded experiment, some also with less test-time averaging, then the ensemble.

    Experiments not run yet are left out. Training time is in minutes (for the ensemble,
    the sum of its members').
    """
    done = [name for name in EXPERIMENTS if probs_path(name, experiments_dir).is_file()]
    rows = {}
    for name in done:
        rows[name] = {
            "what it tests": EXPERIMENTS[name].description,
            **score(recorded_probs(name, experiments_dir=experiments_dir), labels),
            "training minutes": training_seconds(name, experiments_dir) / 60,
        }
        if EXPERIMENTS[name].also_without_tta and get_recipe(EXPERIMENTS[name].recipe).shift_tta:
            rows[f"{name} (flips only)"] = {
                "what it tests": "the same model, averaging over the image and its mirror image only",
                **score(recorded_probs(name, "flips", experiments_dir), labels),
                "training minutes": rows[name]["training minutes"],
            }
        if EXPERIMENTS[name].also_without_tta:
            rows[f"{name} (no TTA)"] = {
                "what it tests": "the same model, predicting from the image alone (no test-time averaging)",
                **score(recorded_probs(name, "none", experiments_dir), labels),
                "training minutes": rows[name]["training minutes"],
            }
    if all(member in done for member in ENSEMBLE):
        mean_probs = np.mean([recorded_probs(member, experiments_dir=experiments_dir) for member in ENSEMBLE], axis=0)
        rows["ensemble"] = {
            "what it tests": f"mean probabilities of {', '.join(ENSEMBLE)}",
            **score(mean_probs, labels),
            "training minutes": sum(training_seconds(m, experiments_dir) for m in ENSEMBLE) / 60,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def answers_table(labels: np.ndarray, experiments_dir: Path = EXPERIMENTS_DIR) -> str:
    """README's table of answers: the :func:`comparison` rows as Markdown, in %, the default's in bold."""
    table = comparison(labels, experiments_dir)
    metrics = ["test accuracy", *(f"{name} recall" for name in LOOKALIKE_CLASSES)]
    rows = (
        [
            f"**{name}**" if name == DEFAULT_MODEL else name,
            row["what it tests"],
            *(
                f"{100 * row[metric]:.2f}%" if metric == "test accuracy" else f"{100 * row[metric]:.1f}%"
                for metric in metrics
            ),
            f"{row['training minutes']:.1f} min",
        ]
        for name, row in table.iterrows()
    )
    return markdown.table(["model", "what it tests", *metrics, "training"], rows, left=2)


def update_readme(labels: np.ndarray, experiments_dir: Path = EXPERIMENTS_DIR) -> None:
    """Regenerate README's table of answers from the recorded experiments."""
    update_block(README_BLOCK, answers_table(labels, experiments_dir))
