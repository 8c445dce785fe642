"""A trained model on disk: its weights, and the card that describes it and names the recipe that rebuilds it.

``fmnist train`` writes ``NAME.weights.h5`` (weights only, no optimizer state) and
``NAME.card.json``. The architecture lives in code, the recipe's builder, so the files load under
every Keras version the project is tested with (the ``.keras`` format is not read by older
releases). Loading rebuilds the model in float32, whatever precision it was trained in, so it
predicts the same on every device. The card records the weights' SHA-256: a weights file that is
truncated, corrupt or replaced without its card is refused with a message saying so.
"""

import hashlib
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import keras
import numpy as np

import fmnist
from fmnist.errors import MissingFileError, ModelFileError
from fmnist.files import atomic_path, read_json
from fmnist.training.recipes import describe, fingerprint, fingerprint_of, get_recipe, settings

if TYPE_CHECKING:
    from fmnist.training.train import TrainingResult

WEIGHTS_SUFFIX = ".weights.h5"


def card_beside(weights: Path) -> Path:
    """The model card that belongs to the weights file ``weights``."""
    weights = Path(weights)
    if not weights.name.endswith(WEIGHTS_SUFFIX):
        raise ModelFileError(f"{weights}: not a weights file (its name must end with {WEIGHTS_SUFFIX})")
    return weights.with_name(weights.name.removesuffix(WEIGHTS_SUFFIX) + ".card.json")


def save_weights(model: keras.Model, recipe_name: str, path: Path) -> str:
    """Write the weights of ``model``, trained from recipe ``recipe_name``, to ``path`` atomically.

    They are written from a fresh float32 copy, so the file holds no optimizer state. Returns the
    file's SHA-256, for the card.
    """
    inference = get_recipe(recipe_name).build()
    inference.set_weights(model.get_weights())
    with atomic_path(path) as tmp:
        inference.save_weights(tmp)
    return sha256(path)


def holds_weights(path: Path, model: keras.Model, recipe_name: str) -> bool:
    """Whether the weights file ``path`` already holds exactly the weights of ``model`` (recipe ``recipe_name``)."""
    if not Path(path).is_file():
        return False
    try:
        saved = load_weights(get_recipe(recipe_name).build(), path)
    except ModelFileError:
        return False
    return all(np.array_equal(a, b) for a, b in zip(saved.get_weights(), model.get_weights(), strict=True))


def load_weights(model: keras.Model, path: Path) -> keras.Model:
    """Load the weights file ``path`` into ``model``, with an error naming the file if they do not fit."""
    try:
        model.load_weights(path)
    except Exception as err:  # h5py and Keras raise many kinds; all mean the same to the user
        raise ModelFileError(f"{path}: cannot be loaded into {model.name}: {err}") from err
    return model


def load_network(path: Path) -> tuple[keras.Model, dict]:
    """Rebuild the network whose weights are in ``path`` (``NAME.weights.h5``) from its card, in float32;
    return it with the card (:class:`fmnist.inference.trained_model.TrainedModel` is what callers use)."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{path}: no saved model; train one first (fmnist train)")
    card = read_card(card_beside(path))
    if sha256(path) != card["weights_sha256"]:
        raise ModelFileError(
            f"{path}: its SHA-256 differs from the one its card {card_beside(path).name} records; "
            "the file is truncated or corrupt, or was replaced without its card: retrain it (fmnist train)"
        )
    try:
        recipe = get_recipe(card["recipe_name"])
    except ValueError as err:
        raise ModelFileError(f"{card_beside(path)}: {err}") from err
    trained_as, builds = card.get("architecture"), describe(recipe.build)
    if trained_as and trained_as != builds:  # same weight shapes would load, and predict nonsense
        raise ModelFileError(
            f"{path}: trained as {trained_as}, but recipe {card['recipe_name']!r} now builds {builds}; "
            f"retrain it (fmnist train --model {card['recipe_name']})"
        )
    return load_weights(recipe.build(), path), card


def model_card(
    name: str,
    recipe_name: str,
    model: keras.Model,
    history: dict,
    result: "TrainingResult",
    *,
    weights_sha256: str,
    seed: int,
    examples: dict,
    data: dict,
) -> dict:
    """The model card: what was trained, how, on what, and how well its saved weights score.

    ``result`` is the :class:`fmnist.analysis.evaluate.Evaluation` of the saved weights on the test set.
    """
    import tensorflow as tf

    recipe = get_recipe(recipe_name)
    return {
        "model": name,
        "recipe_name": recipe_name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "test_accuracy": result.accuracy,
        "per_class_recall": result.per_class_recall,
        "best_val_accuracy": max(history["val_accuracy"]),
        "epochs": len(history["val_accuracy"]),
        "training_seconds": round(sum(history["epoch_seconds"]), 1),
        "parameters": model.count_params(),
        "architecture": describe(recipe.build),
        "recipe": settings(recipe),
        "precision": model.dtype_policy.name,
        "xla": bool(model.jit_compile),
        "weights_sha256": weights_sha256,
        "seed": seed,
        "examples": examples,
        "data": data,
        "machine": {"platform": platform.platform(), "devices": _device_names()},
        "versions": {
            "fmnist": fmnist.__version__,
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
    }


def read_card(path: Path) -> dict:
    """A model card, checked for the fields that loading its model needs."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: model card missing; it names the recipe that rebuilds the model")
    try:
        card = read_json(path)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ModelFileError(f"{path}: not a model card (not valid JSON: {err})") from err
    missing = [key for key in ("recipe_name", "weights_sha256") if not isinstance(card, dict) or key not in card]
    if missing:
        raise ModelFileError(f"{path}: not a model card of this project (no {' or '.join(missing)})")
    return card


def is_current(card: dict) -> bool:
    """Whether a model card's architecture and settings are still those of its recipe (else: retrain)."""
    try:
        recipe = get_recipe(card["recipe_name"])
    except ValueError:
        return False
    return fingerprint_of(card.get("architecture", ""), card.get("recipe", {})) == fingerprint(recipe)


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    with open(path, "rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _device_names() -> list[str]:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus] or [
        f"CPU ({os.cpu_count()} cores)"
    ]
