"""Train a named recipe, then save its weights, training history and model card atomically.

Training survives interruption: a rerun of the same command resumes from the last finished
epoch (Keras ``BackupAndRestore``), and the per-epoch log is kept on disk so the history and
the training time stay complete across restarts.
"""

import os
import platform
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

import fmnist
from fmnist.config import MODELS_DIR, SEED, card_path, history_path, weights_path
from fmnist.data import checksum, locate
from fmnist.data.pipeline import make_dataset, split_validation, stratified_subset
from fmnist.distribute import make_strategy
from fmnist.evaluate import PREDICT_BATCH_SIZE, Evaluation, evaluate
from fmnist.files import write_json
from fmnist.model_files import build_for_inference, load_weights, save_weights
from fmnist.recipes import DEFAULT_MODEL, Recipe, describe, get_recipe
from fmnist.runtime import fast_precision, has_gpu

VALIDATION_FRACTION = 0.1


@dataclass(frozen=True)
class TrainingRun:
    """What :func:`train` produced: the model as trained, its per-epoch history and its model card.

    ``card`` is None on the workers of a multi-worker run other than the chief: only the chief saves.
    """

    model: keras.Model
    history: dict[str, list[float]]
    card: dict | None


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
    test_size: int | None = None,
    source: str | os.PathLike | None = None,
    models_dir: Path = MODELS_DIR,
    seed: int = SEED,
    strategy: str = "auto",
    gpu: bool | None = None,
    test_curves: bool = False,
    verbose: int | str = 2,
) -> TrainingRun:
    """Train recipe ``name``, save it under ``models_dir``, and return model, history and card.

    Files are named after ``run_name`` (default: ``name``), so one recipe can be trained with
    several seeds side by side. ``gpu=True`` trains in a GPU's settings (mixed float16, XLA)
    even on a CPU; None: in the settings of the device at hand.

    ``train_size`` trains on a stratified subset of that many images and ``test_size`` scores on
    a stratified subset of the test set (for quick runs). The test set is used only for the final
    report (and, with ``test_curves``, for a per-epoch curve that nothing decides on). If an earlier run of the
    same model into the same ``models_dir`` was interrupted, training resumes where it stopped.
    In a multi-worker run only the chief writes into ``models_dir``.
    """
    recipe = get_recipe(name)
    run_name = run_name or name
    epochs = epochs or recipe.epochs
    distribution = make_strategy(strategy)  # first: multi-worker set-up must precede other TF work
    data_source = locate(source)
    splits = data_source.read()
    (x, y), (x_test, y_test) = splits
    x, y = stratified_subset(x, y, train_size, seed)
    x_test, y_test = stratified_subset(x_test, y_test, test_size, seed)
    (x_train, y_train), (x_val, y_val) = split_validation(x, y, VALIDATION_FRACTION, seed)

    keras.utils.set_random_seed(seed)
    model = compiled_model(recipe, len(x_train), epochs, distribution, gpu=gpu)

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
    if not distribution.extended.should_checkpoint:  # a worker, not the chief: keep nothing
        with tempfile.TemporaryDirectory(prefix=f"fmnist-{run_name}-worker-") as scratch:
            history = _fit_resumably(model, run_name, Path(scratch), fit_args, extra_callbacks)
        return TrainingRun(model, history, card=None)
    history = _fit_resumably(model, run_name, models_dir, fit_args, extra_callbacks)

    # The card describes the saved file as every later reader loads it: rebuilt in float32.
    weights = weights_path(run_name, models_dir)
    weights_sha256 = save_weights(model, name, weights)
    result = evaluate(load_weights(build_for_inference(name), weights), x_test, y_test, flip_tta=recipe.flip_tta)
    card = model_card(
        run_name, name, model, history, result, weights_sha256=weights_sha256, seed=seed,
        examples={"train": len(x_train), "validation": len(x_val), "test": len(x_test)},
        data={"format": data_source.kind, "path": str(data_source.path), "sha256": checksum(splits)},
    )
    write_json(history_path(run_name, models_dir), history)
    write_json(card_path(run_name, models_dir), card)
    _resume_files(run_name, models_dir, discard=True)  # done: nothing left to resume
    return TrainingRun(model, history, card)


def model_card(
    run_name: str, recipe_name: str, model: keras.Model, history: dict, result: Evaluation, *,
    weights_sha256: str, seed: int, examples: dict, data: dict,
) -> dict:
    """The model card: what was trained, how, on what, and how well its saved weights score."""
    recipe = get_recipe(recipe_name)
    return {
        "model": run_name,
        "recipe_name": recipe_name,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "test_accuracy": result.accuracy,
        "per_class_accuracy": result.per_class_accuracy,
        "best_val_accuracy": max(history["val_accuracy"]),
        "epochs": len(history["val_accuracy"]),
        "training_seconds": round(sum(history["epoch_seconds"]), 1),
        "parameters": model.count_params(),
        "architecture": describe(recipe.build),
        "recipe": {k: v for k, v in asdict(recipe).items() if k != "build"},
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


def compiled_model(
    recipe: Recipe,
    train_examples: int,
    epochs: int,
    strategy: tf.distribute.Strategy | None = None,
    *,
    gpu: bool | None = None,
) -> keras.Model:
    """Build ``recipe``'s model in its precision and compile it with its optimiser and schedule.

    ``gpu`` chooses the device whose settings to use (mixed float16 and XLA on a GPU); None: the
    device at hand. The model's ``dtype_policy`` and ``jit_compile`` say what was chosen. Call
    ``keras.utils.set_random_seed`` first: seeds make reruns identical. TensorFlow's global op
    determinism is not needed for that on CPU (the tests check it) and would make vgg_bn 1.7x slower.
    """
    gpu = has_gpu() if gpu is None else gpu
    precision = fast_precision(gpu) if recipe.fast_precision else "float32"
    steps_per_epoch = int(np.ceil(train_examples / recipe.batch_size))
    with (strategy or tf.distribute.get_strategy()).scope():
        keras.mixed_precision.set_global_policy(precision)
        try:
            model = recipe.build()
        finally:
            keras.mixed_precision.set_global_policy("float32")
        model.compile(
            optimizer=_optimizer(recipe, steps_per_epoch, epochs),
            loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing),
            metrics=["accuracy"],
            jit_compile=gpu,  # XLA: half the speed on the CPUs measured
        )
    return model


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


def _device_names() -> list[str]:
    gpus = tf.config.list_physical_devices("GPU")
    return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name) for gpu in gpus] or [
        f"CPU ({os.cpu_count()} cores)"
    ]
