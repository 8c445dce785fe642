"""The saved training runs behind ``05_improvements``: train each once, then read its results.

An experiment trains one recipe with one seed (``fmnist experiments NAME``) and records the
test-set class probabilities, for each image and for its mirror image, beside the model card.
Every row of the comparison table, the test-time flip ablation and the ensemble are computed
from those files, so the notebook never has to retrain anything to show them.
"""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist.config import LOOKALIKE_CLASSES, MODELS_DIR, SEED, card_path, weights_path
from fmnist.data import load
from fmnist.evaluate import evaluate_probs
from fmnist.files import atomic_path, read_json
from fmnist.model_files import load_model
from fmnist.predict import VIEWS, average_views, predict_proba, views_of
from fmnist.readme import update_block
from fmnist.recipes import DEFAULT_MODEL, get_recipe
from fmnist.train import train

#: Trained experiment models (git-ignored) and their results files (committed).
EXPERIMENTS_DIR = MODELS_DIR / "experiments"



@dataclass(frozen=True)
class Experiment:
    """One training run: a recipe from :data:`fmnist.recipes.RECIPES`, a seed, and what it tests."""

    recipe: str
    description: str
    seed: int = SEED
    also_without_tta: bool = False  # add rows predicting with less test-time averaging


EXPERIMENTS = {
    "baseline": Experiment("baseline", "the original project's CNN"),
    "fast_cnn": Experiment("fast_cnn", "default: fast_cnn (1 convolution per stage, AdamW, weight averaging, flip and shift TTA)", also_without_tta=True),
    "fast_cnn-seed1": Experiment("fast_cnn", "default, seed 1 (ensemble member)", seed=1),
    "fast_cnn-seed2": Experiment("fast_cnn", "default, seed 2 (ensemble member)", seed=2),
    "vgg_bn": Experiment("vgg_bn", "an earlier default: 2 convolutions per stage, SGD, 24 epochs", also_without_tta=True),
    "vgg_bn_deep": Experiment("vgg_bn_deep", "vgg_bn, deeper: 3 convolutions per stage instead of 2"),
    "vgg_bn_no_flip": Experiment("vgg_bn_no_flip", "vgg_bn without flip augmentation", also_without_tta=True),
    "vgg_bn_no_shift": Experiment("vgg_bn_no_shift", "vgg_bn without shift augmentation"),
    "vgg_bn_no_augment": Experiment("vgg_bn_no_augment", "vgg_bn without any augmentation", also_without_tta=True),
    "vgg_bn-seed1": Experiment("vgg_bn", "vgg_bn, seed 1", seed=1),
    "vgg_bn-seed2": Experiment("vgg_bn", "vgg_bn, seed 2", seed=2),
}
ENSEMBLE = ("fast_cnn", "fast_cnn-seed1", "fast_cnn-seed2")
#: The README block that :func:`update_readme` fills.
README_BLOCK = "answers"
#: Out-of-fold probabilities of the training images (``fmnist out-of-fold``), for 04's label errors.
OOF_PATH = EXPERIMENTS_DIR / "train_oof_probs.npz"


def catalogue(experiments_dir: Path = EXPERIMENTS_DIR) -> pd.DataFrame:
    """One row per experiment: its recipe, seed, what it tests, and whether its results are recorded."""
    rows = {
        name: {"recipe": e.recipe, "seed": e.seed, "what it tests": e.description,
               "recorded": probs_path(name, experiments_dir).is_file()}
        for name, e in EXPERIMENTS.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("experiment")


def probs_path(name: str, experiments_dir: Path = EXPERIMENTS_DIR) -> Path:
    """Test-set probabilities of experiment ``name``: one (10000, 10) array per view of :data:`fmnist.predict.VIEWS`."""
    return Path(experiments_dir) / f"{name}.test_probs.npz"


def record(name: str, *, source=None, experiments_dir: Path = EXPERIMENTS_DIR, models_dir: Path = MODELS_DIR) -> Path:
    """Train experiment ``name`` if needed, record its test probabilities; return their path.

    The committed models in ``models_dir`` are the runs ``baseline``, ``fast_cnn`` and ``vgg_bn``
    (same recipe, same seed), so those are scored, not retrained. A run whose results exist is skipped.
    """
    if name not in EXPERIMENTS:
        raise ValueError(f"unknown experiment {name!r}; choose one of: {', '.join(EXPERIMENTS)}")
    experiment = EXPERIMENTS[name]
    target = probs_path(name, experiments_dir)
    if target.is_file():
        return target
    committed = _is_committed(name, experiment, models_dir)
    if not committed:
        train(experiment.recipe, save_as=name, seed=experiment.seed, source=source, models_dir=experiments_dir)
    saved_in = models_dir if committed else experiments_dir
    model, card = load_model(weights_path(name, saved_in)), read_json(card_path(name, saved_in))
    _, (x_test, _) = load(source)
    probs = {view: predict_proba(model, x_test, [view]) for view in VIEWS}
    with atomic_path(target) as tmp:
        np.savez_compressed(tmp, **probs, training_seconds=card["training_seconds"])
    return target


def _is_committed(name: str, experiment: Experiment, models_dir: Path) -> bool:
    card = card_path(name, models_dir)
    if not (weights_path(name, models_dir).is_file() and card.is_file()):
        return False
    card = read_json(card)
    return card["recipe_name"] == experiment.recipe and card["seed"] == experiment.seed


def recorded_probs(name: str, views: tuple[str, ...] | None = None, experiments_dir: Path = EXPERIMENTS_DIR) -> np.ndarray:
    """Recorded test probabilities of experiment ``name``, averaged over ``views`` (default: as its recipe predicts)."""
    path = probs_path(name, experiments_dir)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no results for experiment {name!r}; run `fmnist experiments {name}`")
    with np.load(path) as saved:
        return average_views(saved, views or views_of(EXPERIMENTS[name].recipe))


def training_seconds(name: str, experiments_dir: Path = EXPERIMENTS_DIR) -> float:
    """Training time recorded for experiment ``name``."""
    with np.load(probs_path(name, experiments_dir)) as saved:
        return float(saved["training_seconds"])


def score(probs: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Test accuracy, then the recall of each of :data:`fmnist.config.LOOKALIKE_CLASSES`."""
    result = evaluate_probs(probs, labels)
    return {"test accuracy": result.accuracy, **{f"{cls} recall": result.per_class_recall[cls] for cls in LOOKALIKE_CLASSES}}


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
                **score(recorded_probs(name, ("plain", "mirrored"), experiments_dir), labels),
                "training minutes": rows[name]["training minutes"],
            }
        if EXPERIMENTS[name].also_without_tta:
            rows[f"{name} (no TTA)"] = {
                "what it tests": "the same model, predicting from the image alone (no test-time averaging)",
                **score(recorded_probs(name, ("plain",), experiments_dir), labels),
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
    lines = [
        "| model | what it tests | " + " | ".join(metrics) + " | training |",
        "| --- | --- |" + " ---: |" * (len(metrics) + 1),
    ]
    for name, row in table.iterrows():
        label = f"**{name}**" if name == DEFAULT_MODEL else name
        cells = [f"{100 * row[metric]:.2f}%" if metric == "test accuracy" else f"{100 * row[metric]:.1f}%" for metric in metrics]
        lines.append(f"| {label} | {row['what it tests']} | " + " | ".join(cells) + f" | {row['training minutes']:.1f} min |")
    return "\n".join(lines)


def update_readme(labels: np.ndarray, experiments_dir: Path = EXPERIMENTS_DIR) -> None:
    """Regenerate README's table of answers from the recorded experiments."""
    update_block(README_BLOCK, answers_table(labels, experiments_dir))
