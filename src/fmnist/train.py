"""Train a named recipe, then save its model, training history and model card atomically.

Training survives interruption: a rerun of the same command resumes from the last finished
epoch (Keras ``BackupAndRestore``), and the per-epoch log is kept on disk so the history and
the training time stay complete across restarts.
"""

import os
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import partial
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.model_selection import train_test_split

import fmnist
from fmnist.config import MODELS_DIR, SEED, card_path, history_path, model_path
from fmnist.data import checksum, locate
from fmnist.data.pipeline import make_dataset, split_validation
from fmnist.distribute import make_strategy
from fmnist.evaluate import PREDICT_BATCH_SIZE, evaluate
from fmnist.files import atomic_path, write_json
from fmnist.models import build_baseline_cnn, build_vgg_bn
from fmnist.runtime import fast_precision

VALIDATION_FRACTION = 0.1


@dataclass(frozen=True)
class Recipe:
    """How one named model is built and trained."""

    build: Callable[[], keras.Model]
    epochs: int
    batch_size: int
    learning_rate: float  # the peak rate when there is a warm-up
    optimizer: str = "adam"  # "adam", or "sgd" with Nesterov momentum 0.9
    weight_decay: float | None = None
    warmup_epochs: int = 0  # > 0: linear warm-up, then cosine decay to zero; 0: constant rate
    label_smoothing: float = 0.0
    shift: int = 0  # augmentation: random shifts of up to this many pixels
    flip: bool = False  # augmentation: random horizontal flips
    flip_tta: bool = False  # predict by averaging each image with its mirror image
    fast_precision: bool = False  # mixed bfloat16 / float16 where the device computes it natively


RECIPES = {
    # The seed project's model and optimiser settings.
    "baseline": Recipe(build_baseline_cnn, epochs=10, batch_size=64, learning_rate=1e-3),
    # The project's default: deeper, batch-normalised, regularised, and fast on a 2-core CPU.
    "vgg_bn": Recipe(
        build_vgg_bn,
        epochs=24,
        batch_size=256,
        learning_rate=0.1,
        optimizer="sgd",
        weight_decay=5e-4,
        warmup_epochs=1,
        label_smoothing=0.1,
        shift=2,
        flip=True,
        flip_tta=True,
        fast_precision=True,
    ),
}
# Variants of the default for 05_improvements: one change each.
RECIPES |= {
    "vgg_bn_deep": replace(RECIPES["vgg_bn"], build=partial(build_vgg_bn, convs_per_stage=3)),
    "vgg_bn_no_flip": replace(RECIPES["vgg_bn"], flip=False),
    "vgg_bn_no_shift": replace(RECIPES["vgg_bn"], shift=0),
    "vgg_bn_no_augment": replace(RECIPES["vgg_bn"], shift=0, flip=False),
}
DEFAULT_MODEL = "vgg_bn"


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


class EpochTimer(keras.callbacks.Callback):
    """Add each epoch's wall-clock seconds (training and validation) to its logs."""

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs["epoch_seconds"] = time.perf_counter() - self.start


def train(
    name: str = DEFAULT_MODEL,
    *,
    run_name: str | None = None,
    epochs: int | None = None,
    train_size: int | None = None,
    source: str | os.PathLike | None = None,
    models_dir: Path = MODELS_DIR,
    seed: int = SEED,
    strategy: str = "auto",
    test_curves: bool = False,
    verbose: int | str = 2,
) -> TrainingRun:
    """Train recipe ``name``, save it under ``models_dir``, and return model, history and card.

    Files are named after ``run_name`` (default: ``name``), so one recipe can be trained with
    several seeds side by side.

    ``train_size`` trains on a stratified subset of that many images (for quick runs); the
    test set is always the full one and is used only for the final report (and, with
    ``test_curves``, for a per-epoch curve that nothing decides on). If an earlier run of the
    same model into the same ``models_dir`` was interrupted, training resumes where it stopped.
    """
    if name not in RECIPES:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(RECIPES)}")
    recipe = RECIPES[name]
    run_name = run_name or name
    epochs = epochs or recipe.epochs
    data_source = locate(source)
    splits = data_source.read()
    (x, y), (x_test, y_test) = splits
    if train_size and train_size < len(x):
        x, _, y, _ = train_test_split(x, y, train_size=train_size, stratify=y, random_state=seed)
    (x_train, y_train), (x_val, y_val) = split_validation(x, y, VALIDATION_FRACTION, seed)

    keras.utils.set_random_seed(seed)
    model, precision = compiled_model(recipe, len(x_train), epochs, strategy)

    def dataset(images, labels, training=False, batch_size=recipe.batch_size):
        return recipe_dataset(recipe, images, labels, training=training, seed=seed, batch_size=batch_size)

    fit_args = {
        "x": dataset(x_train, y_train, training=True),
        "validation_data": dataset(x_val, y_val),
        "epochs": epochs,
        "shuffle": False,  # the dataset reshuffles itself every epoch
        "verbose": verbose,
    }
    extra_callbacks = [RecordTestCurves(dataset(x_test, y_test, batch_size=PREDICT_BATCH_SIZE))] if test_curves else []
    history = _fit_resumably(model, run_name, models_dir, fit_args, extra_callbacks)
    result = evaluate(model, x_test, y_test, flip_tta=recipe.flip_tta)

    card = {
        "model": run_name,
        "recipe_name": name,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "test_accuracy": result.accuracy,
        "per_class_accuracy": result.per_class_accuracy,
        "best_val_accuracy": max(history["val_accuracy"]),
        "epochs": epochs,
        "training_seconds": round(sum(history["epoch_seconds"]), 1),
        "parameters": model.count_params(),
        "architecture": _describe(recipe.build),
        "recipe": {k: v for k, v in asdict(recipe).items() if k != "build"},
        "precision": precision,
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
    with atomic_path(model_path(run_name, models_dir)) as tmp:
        model.save(tmp)
    write_json(history_path(run_name, models_dir), history)
    write_json(card_path(run_name, models_dir), card)
    _resume_files(run_name, models_dir, discard=True)  # done: nothing left to resume
    return TrainingRun(model, history, card)


def compiled_model(recipe: Recipe, train_examples: int, epochs: int, strategy: str = "auto") -> tuple[keras.Model, str]:
    """Build ``recipe``'s model in its precision and compile it with its optimiser and schedule.

    Returns the model and the precision policy it was built in. Call
    ``keras.utils.set_random_seed`` first: seeds make reruns identical. TensorFlow's global op
    determinism is not needed for that on CPU (the tests check it) and would make vgg_bn 1.7x slower.
    """
    precision = fast_precision() if recipe.fast_precision else "float32"
    steps_per_epoch = int(np.ceil(train_examples / recipe.batch_size))
    with make_strategy(strategy).scope():
        keras.mixed_precision.set_global_policy(precision)
        try:
            model = recipe.build()
        finally:
            keras.mixed_precision.set_global_policy("float32")
        model.compile(
            optimizer=_optimizer(recipe, steps_per_epoch, epochs),
            loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing),
            metrics=["accuracy"],
            jit_compile=bool(tf.config.list_physical_devices("GPU")),  # XLA: half the speed on the CPUs measured
        )
    return model, precision


def recipe_dataset(
    recipe: Recipe, images: np.ndarray, labels: np.ndarray, *, training: bool, seed: int, batch_size: int | None = None
) -> tf.data.Dataset:
    """Batches as ``recipe`` trains on them (shuffled and augmented when ``training``), one-hot labels."""
    return make_dataset(
        images, labels, batch_size=batch_size or recipe.batch_size, shuffle=training,
        shift=training and recipe.shift, flip=training and recipe.flip, one_hot=True, seed=seed,
    )


def _fit_resumably(model, name: str, models_dir: Path, fit_args: dict, extra_callbacks: list) -> dict:
    """``model.fit`` that resumes an interrupted run; return the complete per-epoch history."""
    backup_dir, epoch_log, resuming = _resume_files(name, models_dir)

    def fit():
        callbacks = [
            EpochTimer(),
            *extra_callbacks,
            keras.callbacks.CSVLogger(epoch_log, append=True),
            # double_checkpoint: a backup cut short by a kill falls back to the epoch before.
            keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True),
        ]
        model.fit(callbacks=callbacks, **fit_args)

    try:
        fit()
    except OSError:
        if not resuming:
            raise
        # Killed while writing its very first backup: nothing usable to resume from.
        print(f"The backup in {backup_dir} is unreadable; training {name} from the start")
        backup_dir, epoch_log, _ = _resume_files(name, models_dir, discard=True)
        fit()
    # An epoch logged just before a kill, but not yet backed up, was trained again: keep the rerun.
    epoch_rows = pd.read_csv(epoch_log).drop_duplicates("epoch", keep="last")
    return epoch_rows.drop(columns="epoch").to_dict(orient="list")


def _resume_files(name: str, models_dir: Path, discard: bool = False) -> tuple[Path, Path, bool]:
    """The backup folder and per-epoch log for this run, and whether it resumes an interrupted one.

    Without a backup (or with ``discard``) there is nothing to resume: leftovers are removed.
    Keras deletes its backup when training ends; the epoch log is ours to remove.
    """
    backup_dir = Path(models_dir) / f".{name}.backup"
    epoch_log = Path(models_dir) / f".{name}.epochs.csv"
    resuming = not discard and backup_dir.is_dir() and epoch_log.is_file()
    if resuming:
        logged = len(pd.read_csv(epoch_log))
        print(f"Resuming {name} from the backup of an interrupted run ({logged} epochs logged) in {backup_dir}")
    else:
        shutil.rmtree(backup_dir, ignore_errors=True)
        epoch_log.unlink(missing_ok=True)
    backup_dir.parent.mkdir(parents=True, exist_ok=True)
    return backup_dir, epoch_log, resuming


def _optimizer(recipe: Recipe, steps_per_epoch: int, epochs: int) -> keras.optimizers.Optimizer:
    rate = recipe.learning_rate
    if recipe.warmup_epochs:
        warmup = min(recipe.warmup_epochs, epochs - 1)  # a very short run still gets a decay phase
        rate = keras.optimizers.schedules.CosineDecay(
            0.0 if warmup else recipe.learning_rate,
            decay_steps=steps_per_epoch * (epochs - warmup),
            warmup_target=recipe.learning_rate if warmup else None,
            warmup_steps=steps_per_epoch * warmup,
        )
    if recipe.optimizer == "sgd":
        return keras.optimizers.SGD(rate, momentum=0.9, nesterov=True, weight_decay=recipe.weight_decay)
    return keras.optimizers.Adam(rate, weight_decay=recipe.weight_decay)


def _describe(build: Callable) -> str:
    """How a recipe builds its model, e.g. ``build_vgg_bn(convs_per_stage=3)``."""
    if isinstance(build, partial):
        arguments = ", ".join(f"{key}={value!r}" for key, value in build.keywords.items())
        return f"{build.func.__name__}({arguments})"
    return f"{build.__name__}()"


def _device_names() -> list[str]:
    gpus = tf.config.list_physical_devices("GPU")
    return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus] or [
        f"CPU ({os.cpu_count()} cores)"
    ]
