"""Train a named recipe, then save its model, training history and model card atomically."""

import os
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from sklearn.model_selection import train_test_split

import fmnist
from fmnist.config import MODELS_DIR, SEED, card_path, history_path, model_path
from fmnist.data import checksum, locate
from fmnist.data.pipeline import make_dataset, split_validation
from fmnist.evaluate import PREDICT_BATCH_SIZE, evaluate
from fmnist.files import atomic_path, write_json
from fmnist.models import build_baseline_cnn

VALIDATION_FRACTION = 0.1


@dataclass(frozen=True)
class TrainingRun:
    """What :func:`train` produced: the model, its per-epoch history and its model card."""

    model: keras.Model
    history: dict[str, list[float]]
    card: dict


class RecordTestCurves(keras.callbacks.Callback):
    """Record test loss and accuracy after every epoch, for the test-curve figure only.

    Nothing reads these numbers to make a choice (epochs, early stopping, model selection):
    those use the validation split.
    """

    def __init__(self, test_data):
        super().__init__()
        self.test_data = test_data

    def on_epoch_end(self, epoch, logs=None):
        scores = self.model.evaluate(self.test_data, verbose=0, return_dict=True)
        logs.update({f"test_{name}": value for name, value in scores.items()})


@dataclass(frozen=True)
class Recipe:
    """How one named model is built and trained."""

    build: Callable[[], keras.Model]
    epochs: int
    batch_size: int
    learning_rate: float


RECIPES = {
    # The seed project's model and optimiser settings.
    "baseline": Recipe(build_baseline_cnn, epochs=10, batch_size=64, learning_rate=1e-3),
}


def train(
    name: str = "baseline",
    *,
    epochs: int | None = None,
    train_size: int | None = None,
    source: str | os.PathLike | None = None,
    models_dir: Path = MODELS_DIR,
    seed: int = SEED,
    verbose: int | str = 2,
) -> TrainingRun:
    """Train recipe ``name``, save it under ``models_dir``, and return model, history and card.

    ``train_size`` trains on a stratified subset of that many images (for quick runs);
    the test set is always the full one and is used only for the final report.
    """
    if name not in RECIPES:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(RECIPES)}")
    recipe = RECIPES[name]
    epochs = epochs or recipe.epochs
    data_source = locate(source)
    splits = data_source.read()
    (x, y), (x_test, y_test) = splits
    if train_size and train_size < len(x):
        x, _, y, _ = train_test_split(x, y, train_size=train_size, stratify=y, random_state=seed)
    (x_train, y_train), (x_val, y_val) = split_validation(x, y, VALIDATION_FRACTION, seed)

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    model = recipe.build()
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=recipe.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    start = time.perf_counter()
    history = model.fit(
        make_dataset(x_train, y_train, batch_size=recipe.batch_size, shuffle=True, seed=seed),
        validation_data=make_dataset(x_val, y_val, batch_size=recipe.batch_size),
        callbacks=[RecordTestCurves(make_dataset(x_test, y_test, batch_size=PREDICT_BATCH_SIZE))],
        epochs=epochs,
        shuffle=False,  # the dataset reshuffles itself every epoch
        verbose=verbose,
    )
    training_seconds = time.perf_counter() - start  # includes the test-curve evaluations
    result = evaluate(model, x_test, y_test)

    card = {
        "model": name,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "test_accuracy": result.accuracy,
        "per_class_accuracy": result.per_class_accuracy,
        "best_val_accuracy": max(history.history["val_accuracy"]),
        "epochs": epochs,
        "training_seconds": round(training_seconds, 1),
        "parameters": model.count_params(),
        "recipe": {k: v for k, v in asdict(recipe).items() if k != "build"},
        "seed": seed,
        "examples": {"train": len(x_train), "validation": len(x_val), "test": len(x_test)},
        "data": {
            "format": data_source.kind,
            "path": str(data_source.path),
            "sha256": checksum(splits),
        },
        "machine": {"platform": platform.platform(), "devices": _device_names()},
        "versions": {
            "fmnist": fmnist.__version__,
            "tensorflow": tf.__version__,
            "keras": keras.__version__,
            "numpy": np.__version__,
        },
    }
    with atomic_path(model_path(name, models_dir)) as tmp:
        model.save(tmp)
    write_json(history_path(name, models_dir), history.history)
    write_json(card_path(name, models_dir), card)
    return TrainingRun(model, history.history, card)


def _device_names() -> list[str]:
    gpus = tf.config.list_physical_devices("GPU")
    return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus] or [
        f"CPU ({os.cpu_count()} cores)"
    ]
