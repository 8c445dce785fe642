"""How the models hold up under the corruptions of :mod:`fmnist.analysis.corruptions` (07_robustness).

``fmnist experiments`` records, for each model in :data:`MODELS` (and each seed of the seeded
ones), the class it predicts for the first :data:`TEST_IMAGES` test images under every corruption
at every severity (``models/experiments/NAME.corrupted.npz``). The tables, the mean corruption
error and the confusions are computed from those files, so 07 never predicts 130 corrupted test
sets itself. A record names what it was made from: the SHA-256 of the weights it scored, the
fingerprint of their recipe and the SHA-256 of the code that made the images, so a change to any of them
makes it out of date for ``fmnist regenerate``. Each record also holds the model's predictions on
06's held-out photo renders (:data:`RENDER_IMAGES` test images under every condition), so 07 can
say how a recipe does on photos without loading its weights.

The mean corruption error (ImageNet-C's mCE) is each corruption's errors summed over its
severities, divided by the same sum for :data:`REFERENCE`, averaged over the corruptions: under
1 (100%) is fewer errors than the original project's CNN.
"""

import functools
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from fmnist import markdown
from fmnist.analysis import corruptions, experiments, renders
from fmnist.analysis.corruptions import CORRUPTIONS, HELD_OUT_FAMILIES, corrupt
from fmnist.analysis.render_accuracy import photos_of_renders, render_table
from fmnist.config import CLASS_NAMES, MODELS_DIR
from fmnist.data import load
from fmnist.errors import MissingFileError
from fmnist.files import atomic_path
from fmnist.inference import photos
from fmnist.inference.model_files import sha256
from fmnist.inference.trained_model import TrainedModel
from fmnist.training.recipes import fingerprint, get_recipe

#: The models 07 compares, each with the experiments that train it with different seeds.
MODELS = {
    "baseline": ("baseline",),
    "fast_cnn": ("fast_cnn", "fast_cnn-seed1", "fast_cnn-seed2"),
    "vgg_bn": ("vgg_bn",),
    "fast_cnn_robust": ("fast_cnn_robust", "fast_cnn_robust-seed1", "fast_cnn_robust-seed2"),
}
#: The model the mean corruption error is relative to: the original project's CNN.
REFERENCE = "baseline"
#: Corrupted copies are made of the first this many test images.
TEST_IMAGES = 1000
#: The corruptions' random seed on the test images; choosing a recipe uses validation images and another seed.
TEST_SEED = 0
TUNING_SEED = 1
#: Held-out photo renders of 06 each record also scores (06's own count).
RENDER_IMAGES = 500
#: The README block that :func:`update_readme` fills.
README_BLOCK = "robustness"


def cells() -> list[tuple[str, int]]:
    """Every (corruption, severity), in :data:`fmnist.analysis.corruptions.CORRUPTIONS`' order."""
    return [(name, severity) for name, c in CORRUPTIONS.items() for severity in range(1, len(c.levels) + 1)]


def inputs_sha256() -> str:
    """SHA-256 of the code that makes the images a record is scored on: the corruptions, the renders and
    the photo steps. A change to any of them makes every record out of date."""
    digest = hashlib.sha256()
    for module in (corruptions, renders, photos):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


def predict_corrupted(
    model: TrainedModel, images: np.ndarray, seed: int, names: tuple[str, ...] | None = None
) -> tuple[list[tuple[str, int]], np.ndarray]:
    """The cells of corruptions ``names`` (default: all) and the class ``model`` predicts for each image in each (uint8)."""
    chosen = [(name, severity) for name, severity in cells() if names is None or name in names]
    corrupted = np.concatenate([corrupt(images, name, severity, seed) for name, severity in chosen])
    # One prediction call for all of them: the inference model is built and traced once.
    predicted = model.predict(corrupted).argmax(axis=1).reshape(len(chosen), len(images))
    return chosen, predicted.astype(np.uint8)


def record_path(name: str, experiments_dir: Path = experiments.EXPERIMENTS_DIR) -> Path:
    """Recorded predictions on corrupted test images of experiment ``name``."""
    return Path(experiments_dir) / f"{name}.corrupted.npz"


def recorded_names() -> list[str]:
    """Every experiment :data:`MODELS` needs a record of."""
    return [name for seeds in MODELS.values() for name in seeds]


def is_current(name: str, experiments_dir: Path = experiments.EXPERIMENTS_DIR, models_dir: Path = MODELS_DIR) -> bool:
    """Whether ``name``'s record was made from its recipe, the corruptions and (where at hand) the weights there now."""
    path = record_path(name, experiments_dir)
    if not path.is_file():
        return False
    with np.load(path) as saved:
        recipe_sha, inputs_sha, weights_sha = (
            str(saved[key]) for key in ("recipe_sha256", "inputs_sha256", "weights_sha256")
        )
    return inputs_sha == inputs_sha256() and experiments.made_from_current(
        name, recipe_sha, weights_sha, experiments_dir, models_dir
    )


def record(
    name: str,
    *,
    source: Path | None = None,
    experiments_dir: Path = experiments.EXPERIMENTS_DIR,
    models_dir: Path = MODELS_DIR,
    train_missing: bool = True,
) -> Path:
    """Record experiment ``name``'s predictions on the corrupted test images unless current; return the path.

    Its weights are trained first if they are not there (:func:`fmnist.analysis.experiments.trained_weights`).
    """
    target = record_path(name, experiments_dir)
    if is_current(name, experiments_dir, models_dir):
        return target
    weights = experiments.trained_weights(
        name, source=source, experiments_dir=experiments_dir, models_dir=models_dir, train_missing=train_missing
    )
    model = TrainedModel.load(weights)
    _, (x_test, _) = load(source)
    images = x_test[:TEST_IMAGES]
    _, predicted = predict_corrupted(model, images, TEST_SEED)
    chosen, seen, found = _held_out_photos(source)
    rendered = model.predict(np.concatenate([x_test[chosen], *seen])).argmax(axis=1).reshape(-1, len(chosen))
    with atomic_path(target) as tmp:
        np.savez_compressed(
            tmp,
            clean=model.predict(images).argmax(axis=1).astype(np.uint8),
            corrupted=predicted,
            render_indices=chosen,
            renders=rendered.astype(np.uint8),  # the images as the dataset has them, then each condition
            render_found=found,
            weights_sha256=sha256(weights),
            recipe_sha256=fingerprint(get_recipe(experiments.EXPERIMENTS[name].recipe)),
            inputs_sha256=inputs_sha256(),
        )
    return target


@functools.cache
def _held_out_photos(source: Path | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """06's held-out renders through the photo steps, made once per process for every record."""
    _, (x_test, y_test) = load(source)
    return photos_of_renders(x_test, y_test, min(RENDER_IMAGES, len(x_test)))


def _recorded(name: str, experiments_dir: Path) -> Path:
    path = record_path(name, experiments_dir)
    if not path.is_file():
        raise MissingFileError(f"{path}: no corrupted-test predictions of {name!r}; run `fmnist experiments`")
    return path


def _load(name: str, experiments_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(_recorded(name, experiments_dir)) as saved:
        return saved["clean"], saved["corrupted"]


def accuracies(labels: np.ndarray, experiments_dir: Path = experiments.EXPERIMENTS_DIR) -> pd.DataFrame:
    """Accuracy per (corruption, severity) and experiment, with the clean images as severity 0 of ``clean``.

    ``labels`` are the test labels (the first :data:`TEST_IMAGES` are used). Rows are indexed by
    family, corruption and severity; columns are every experiment in :data:`MODELS`.
    """
    labels = np.asarray(labels)[:TEST_IMAGES]
    index = pd.MultiIndex.from_tuples(
        [("clean", "clean", 0)] + [(CORRUPTIONS[n].family, n, s) for n, s in cells()],
        names=["family", "corruption", "severity"],
    )
    columns = {}
    for name in recorded_names():
        clean, corrupted = _load(name, experiments_dir)
        columns[name] = np.concatenate([[np.mean(clean == labels)], np.mean(corrupted == labels, axis=1)])
    return pd.DataFrame(columns, index=index)


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per experiment: clean accuracy, mean accuracy over the corruptions (all, held-out families, the
    others) and the mean corruption error relative to :data:`REFERENCE` (1 = as many errors)."""
    corrupted = table.drop(index="clean", level="family")
    per_corruption = corrupted.groupby(level=["family", "corruption"], sort=False).mean()
    held_out = per_corruption.index.get_level_values("family").isin(HELD_OUT_FAMILIES)
    errors = (1 - corrupted).groupby(level="corruption", sort=False).sum()
    ce = errors.div(errors[REFERENCE], axis=0)
    return pd.DataFrame(
        {
            "clean": table.loc["clean"].iloc[0],
            "mean corruption accuracy": per_corruption.mean(),
            "held-out families": per_corruption[held_out].mean(),
            "other families": per_corruption[~held_out].mean(),
            "mCE": ce.mean(),
        }
    )


def by_model(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`summary` (or columns of :func:`accuracies`, transposed) as mean and spread over each model's seeds."""
    rows = {}
    for model, seeds in MODELS.items():
        values = frame.loc[list(seeds)]
        rows[model] = values.mean()
        rows[f"{model} (spread)"] = values.max() - values.min()
    return pd.DataFrame(rows).T


def per_model(table: pd.DataFrame, level: str) -> pd.DataFrame:
    """:func:`accuracies` averaged by ``level`` (``"severity"``: rows by family and severity;
    ``"corruption"``: by family and corruption), then over each model's seeds: one column per model."""
    grouped = table.drop(index="clean", level="family").groupby(level=["family", level], sort=False).mean()
    return pd.DataFrame({model: grouped[list(seeds)].mean(axis=1) for model, seeds in MODELS.items()})


def family_confusions(
    name: str, labels: np.ndarray, top: int = 3, experiments_dir: Path = experiments.EXPERIMENTS_DIR
) -> pd.DataFrame:
    """Per family: the ``top`` (true, predicted) pairs that its corruptions add most to experiment ``name``'s mistakes.

    Counts are mistakes per corrupted image set, minus the same pair's mistakes on the clean images,
    as a share of the images; a family that makes everything look like one class shows it here.
    """
    labels = np.asarray(labels)[:TEST_IMAGES]
    clean, corrupted = _load(name, experiments_dir)
    baseline = np.zeros((len(CLASS_NAMES),) * 2)
    np.add.at(baseline, (labels, clean), 1)
    rows = []
    for family in corruptions.families():
        chosen = [i for i, (n, _) in enumerate(cells()) if CORRUPTIONS[n].family == family]
        counts = np.zeros_like(baseline)
        for i in chosen:
            np.add.at(counts, (labels, corrupted[i]), 1)
        added = counts / len(chosen) - baseline
        np.fill_diagonal(added, 0)
        for flat in np.argsort(added, axis=None)[::-1][:top]:
            true, predicted = np.unravel_index(flat, added.shape)
            rows.append(
                {
                    "family": family,
                    "true": CLASS_NAMES[true],
                    "predicted as": CLASS_NAMES[predicted],
                    "share of the images": added[true, predicted] / len(labels),
                }
            )
    return pd.DataFrame(rows)


def render_accuracy(name: str, labels: np.ndarray, experiments_dir: Path = experiments.EXPERIMENTS_DIR) -> pd.DataFrame:
    """06's held-out photo-render table for experiment ``name``, from its record (:func:`fmnist.analysis.render_accuracy.render_table`)."""
    with np.load(_recorded(name, experiments_dir)) as saved:
        right = saved["renders"] == np.asarray(labels)[saved["render_indices"]]
        return render_table(right[1:], saved["render_found"], float(np.mean(right[0])))


def _mean_spread(values: list[float]) -> str:
    """``values`` in %: the one value, or the mean ± half the spread."""
    mean, half_spread = np.mean(values), (max(values) - min(values)) / 2
    return f"{100 * mean:.1f}%" if len(values) == 1 else f"{100 * mean:.1f}% ± {100 * half_spread:.1f}"


def readme_table(labels: np.ndarray, experiments_dir: Path = experiments.EXPERIMENTS_DIR) -> str:
    """README's robustness table: :func:`summary` per model and the mean photo-render accuracy, mean over
    seeds ± half their spread, in %, under a caption that says what was measured."""
    results = summary(accuracies(labels, experiments_dir))
    metrics = list(results.columns)
    rows = []
    for model, seeds in MODELS.items():
        values = results.loc[list(seeds)]
        cells_ = [_mean_spread(values[metric].tolist()) for metric in metrics]
        renders_ = [render_accuracy(name, labels, experiments_dir)["accuracy"].mean() for name in seeds]
        rows.append([model, str(len(seeds)), *cells_, _mean_spread(renders_)])
    caption = (
        f"The first {TEST_IMAGES:,} test images under {len(CORRUPTIONS)} corruptions, "
        f"{len(cells())} settings in all; renders: 06's held-out photo renders of {RENDER_IMAGES} test images, mean over the conditions."
    )
    return caption + "\n\n" + markdown.table(["model", "seeds", *metrics, "photo renders"], rows, left=1)


def update_readme(labels: np.ndarray, experiments_dir: Path = experiments.EXPERIMENTS_DIR) -> None:
    """Regenerate README's robustness table from the records."""
    from fmnist.tools.readme import update_block

    update_block(README_BLOCK, readme_table(labels, experiments_dir))
