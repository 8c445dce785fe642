"""Train a named recipe, then save its weights, training history and model card atomically.

A rerun of an interrupted training resumes from its last finished epoch (:mod:`fmnist.training.resume`).
"""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from fmnist.analysis.evaluate import evaluate
from fmnist.config import MODELS_DIR, SEED, card_path, history_path, weights_path
from fmnist.data import checksum, locate
from fmnist.data.pipeline import make_dataset, split_validation, stratified_subset
from fmnist.files import read_json, write_json
from fmnist.inference.model_files import holds_weights, load_weights, model_card, save_weights
from fmnist.inference.trained_model import TrainedModel
from fmnist.inference.views import PREDICT_BATCH_SIZE
from fmnist.runtime import build_in_precision, fast_precision, has_gpu
from fmnist.training.callbacks import RecordTestCurves, ValidateHalfway
from fmnist.training.distribute import make_strategy
from fmnist.training.recipes import DEFAULT_MODEL, Recipe, get_recipe
from fmnist.training.resume import fit_resumably, resume_files
from fmnist.training.weight_average import WeightAverage
from fmnist.training.whitening import start_from_whitening


@dataclass(frozen=True)
class TrainingResult:
    """What :func:`train` produced: the model as trained, its per-epoch history and its model card.

    ``card`` is None on the workers of a multi-worker cluster other than the chief: only the chief saves.
    """

    model: keras.Model
    history: dict[str, list[float]]
    card: dict | None


def train(
    recipe_name: str = DEFAULT_MODEL,
    *,
    save_as: str | None = None,
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
) -> TrainingResult:
    """Train recipe ``recipe_name``, save it under ``models_dir``, and return model, history and card.

    Files are named ``save_as`` (default: the recipe's name), so one recipe can be trained with
    several seeds side by side. ``gpu=True`` trains in a GPU's settings (mixed float16, XLA)
    even on a CPU; None: in the settings of the device at hand.

    ``train_size`` trains on a stratified subset of that many images and ``test_size`` scores on
    a stratified subset of the test set (for quick runs). The test set is used only for the final
    report (and, with ``test_curves``, for a per-epoch curve that nothing decides on).
    """
    recipe = get_recipe(recipe_name)
    save_as = save_as or recipe_name
    epochs = epochs or recipe.epochs
    distribution = make_strategy(strategy)  # first: multi-worker set-up must precede other TF work
    data_source = locate(source)
    splits = data_source.read()
    (x, y), (x_test, y_test) = splits
    x, y = stratified_subset(x, y, train_size, seed)
    x_test, y_test = stratified_subset(x_test, y_test, test_size, seed)
    (x_train, y_train), (x_val, y_val) = split_validation(x, y, recipe.validation_fraction, seed)

    keras.utils.set_random_seed(seed)
    model = compiled_model(recipe, x_train, epochs, distribution, gpu=gpu)
    validation_data = recipe_dataset(recipe, x_val, y_val, training=False, seed=seed, batch_size=PREDICT_BATCH_SIZE)
    fit_args = {
        "x": recipe_dataset(recipe, x_train, y_train, training=True, seed=seed),
        "validation_data": validation_data,
        "epochs": epochs,
        "shuffle": False,  # the dataset reshuffles itself every epoch
        "verbose": verbose,
    }
    test_data = recipe_dataset(recipe, x_test, y_test, training=False, seed=seed, batch_size=PREDICT_BATCH_SIZE)

    def callbacks(state_dir: Path) -> list[keras.callbacks.Callback]:
        average = [WeightAverage(recipe.weight_average, state_dir)] if recipe.weight_average else []
        steps = steps_per_epoch(recipe, len(x_train))
        halfway = [ValidateHalfway(validation_data, y_val, steps, average)] if recipe.validate_halfway else []
        curves = [RecordTestCurves(test_data, average)] if test_curves else []
        return [*average, *halfway, *curves]

    if not distribution.extended.should_checkpoint:  # a worker, not the chief: keep nothing
        with tempfile.TemporaryDirectory(prefix=f"fmnist-{save_as}-worker-") as scratch:
            history = fit_resumably(model, save_as, Path(scratch), fit_args, callbacks)
        return TrainingResult(model, history, card=None)
    history = fit_resumably(model, save_as, models_dir, fit_args, callbacks)

    return _save(
        model,
        history,
        recipe_name,
        save_as,
        models_dir,
        test=(x_test, y_test),
        seed=seed,
        examples={"train": len(x_train), "validation": len(x_val), "test": len(x_test)},
        data={"format": data_source.kind, "path": str(data_source.path), "sha256": checksum(splits)},
    )


def _save(
    model: keras.Model,
    history: dict,
    recipe_name: str,
    save_as: str,
    models_dir: Path,
    *,
    test: tuple[np.ndarray, np.ndarray],
    seed: int,
    examples: dict,
    data: dict,
) -> TrainingResult:
    """Save a trained model's weights, history and card, the card scoring the saved file on ``test``."""
    weights = weights_path(save_as, models_dir)
    if holds_weights(weights, model, recipe_name) and card_path(save_as, models_dir).is_file():
        # Retrained to the very same weights (same machine, same seed): the saved model, its card
        # and history stay byte for byte as they are, and nothing derived from them goes stale.
        print(f"{weights}: retrained to the same weights; its files are kept as they were")
        resume_files(save_as, models_dir, discard=True)
        return TrainingResult(model, history, read_json(card_path(save_as, models_dir)))
    # The card describes the saved file as every later reader loads it: rebuilt in float32.
    weights_sha256 = save_weights(model, recipe_name, weights)
    saved = TrainedModel(load_weights(get_recipe(recipe_name).build(), weights), recipe_name)
    result = evaluate(saved, *test)
    card = model_card(
        save_as,
        recipe_name,
        model,
        history,
        result,
        weights_sha256=weights_sha256,
        seed=seed,
        examples=examples,
        data=data,
    )
    write_json(history_path(save_as, models_dir), history)
    write_json(card_path(save_as, models_dir), card)
    resume_files(save_as, models_dir, discard=True)  # done: nothing left to resume
    return TrainingResult(model, history, card)


def compiled_model(
    recipe: Recipe,
    train_images: np.ndarray,
    epochs: int,
    strategy: tf.distribute.Strategy | None = None,
    *,
    gpu: bool | None = None,
) -> keras.Model:
    """Build ``recipe``'s model in its precision and compile it with its optimiser and schedule.

    ``train_images`` (uint8, as the data readers return them) set the schedule's steps per epoch and,
    where the recipe starts from whitening, the first convolution's starting filters.

    ``gpu`` chooses the device whose settings to use (mixed float16 and XLA on a GPU); None: the
    device at hand. The model's ``dtype_policy`` and ``jit_compile`` say what was chosen. Call
    ``keras.utils.set_random_seed`` first: seeds make reruns identical. TensorFlow's global op
    determinism is not needed for that on CPU (the tests check it) and would slow training down (bench/README.md).
    """
    gpu = has_gpu() if gpu is None else gpu
    precision = fast_precision(gpu) if recipe.fast_precision else "float32"
    with (strategy or tf.distribute.get_strategy()).scope():
        model = build_in_precision(recipe.build, precision)
        if recipe.whitening_start:
            start_from_whitening(model, train_images, frozen=recipe.freeze_whitening)
        model.compile(
            optimizer=_optimizer(recipe, steps_per_epoch(recipe, len(train_images)), epochs),
            loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe.label_smoothing),
            metrics=["accuracy"],
            jit_compile=gpu,  # XLA: half the speed on the CPUs measured
        )
    return model


def steps_per_epoch(recipe: Recipe, train_examples: int) -> int:
    """Training steps (batches) in one epoch of ``recipe`` on ``train_examples`` images."""
    return int(np.ceil(train_examples / recipe.batch_size))


def recipe_dataset(
    recipe: Recipe, images: np.ndarray, labels: np.ndarray, *, training: bool, seed: int, batch_size: int | None = None
) -> tf.data.Dataset:
    """Batches as ``recipe`` trains on them (shuffled and augmented when ``training``), one-hot labels."""
    return make_dataset(
        images,
        labels,
        batch_size=batch_size or recipe.batch_size,
        shuffle=training,
        shift=training and recipe.shift,
        flip=training and recipe.flip,
        corrupt=training and recipe.corrupt,
        one_hot=True,
        seed=seed,
    )


def _optimizer(recipe: Recipe, epoch_steps: int, epochs: int) -> keras.optimizers.Optimizer:
    rate = recipe.learning_rate
    if recipe.warmup_epochs:
        # A very short run still gets a decay phase.
        warmup_steps = int(epoch_steps * min(recipe.warmup_epochs, epochs - 1))
        rate = keras.optimizers.schedules.CosineDecay(
            0.0 if warmup_steps else recipe.learning_rate,
            decay_steps=epoch_steps * epochs - warmup_steps,
            warmup_target=recipe.learning_rate if warmup_steps else None,
            warmup_steps=warmup_steps,
        )
    if recipe.optimizer == "sgd":
        return keras.optimizers.SGD(rate, momentum=0.9, nesterov=True, weight_decay=recipe.weight_decay)
    return keras.optimizers.Adam(rate, weight_decay=recipe.weight_decay)
