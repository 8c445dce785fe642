"""Validation-only runs of variants of a recipe in the project's own trainer (its tf.data pipeline,
moving average and halfway validation), on this CPU: the first epochs of the recipe's full
schedule, or all of it.

Used for sections 9 to 19 of bench/README.md. It scores the validation split only, never the test set.

    python bench/sweep/trainer_sweep.py '{"learning_rate": 0.008, "warmup_epochs": 0.25}'      # first 2 epochs
    python bench/sweep/trainer_sweep.py '{"build": {"dropout": 0.0}, "epochs": 30}' 30          # the whole run
    python bench/sweep/trainer_sweep.py '{"whitening_start": false, "seed": 2}'                 # without the whitening start
    python bench/sweep/trainer_sweep.py '{"train_size": 48600}' 26                               # on 90% of the training split

The JSON holds Recipe fields to override, plus ``"build"`` (build_vgg_bn arguments; ``"residual_blocks"``
in lines of 2026-12-05 is an option it had in commit e21311f only, ``"pooled_first_conv"`` and
``"first_conv_bias"`` ones it had in commits 6ac29fa and a3518e4 only, ``"pool_before_norm"`` one it had in
commit 00e2c4b only, and ``"first_kernel"``, which ``"whitening_patch"`` sets, one it had in commit
a3518e4 only), ``"seed"`` and
``"ema_warm"`` (the moving average's momentum is min(m, (1 + n) / (ema_warm + n)); the trainer's
is 10), ``"erase"`` (random erasing, Zhong et al. 2017: with this probability a rectangle of 2% to
40% of the image, of aspect ratio 0.3 to 3.3, is filled with uniform noise, after the recipe's shifts
and flips), ``"muon"`` (keras.optimizers.Muon arguments: train with Muon, at the recipe's schedule and weight
decay; Muon updates only 2-D weights, the dense layers here, and AdamW the rest) and ``"train_size"`` (train on a stratified subset of that many of the training split's
images; the validation split, the recipe's `validation_fraction`, stays whole). And:
``"decay_norms": false`` (no weight decay on batch norm's scale and shift or on biases, as many
trainers do; AdamW decays every weight otherwise), and airbench's ``"bn_scale": false``
(batch norm's scale frozen at 1),
``"alternating_flips": true`` (each image mirrored on every other epoch, a random half in the first,
instead of at random every time) and ``"lookahead": {}`` (Lookahead as airbench does it: every
``"every"`` steps, 5 unless given, a slow copy becomes d * slow + (1 - d) * weights and the weights
are set to it, with d = ``"base"`` ** every * (step / total steps) ** 3, base 0.95 unless given; at the
end the weights become the slow copy; the moving average averages the weights so pulled), and
``"bn_shift_rate"`` (batch norm's shift updated at this multiple of the learning rate, AdamW's weight
decay on it unchanged: airbench's higher rate on its biases), ``"whitening_patch"`` (``{"size": 5,
"keep": 12}``: the frozen layer whitens size x size patches with a kernel of that size, keeping the
``keep`` directions of most variance and their negatives) and ``"fixed_first_bias"`` (``{"t": 0}``:
with ``pooled_first_conv`` and ``first_conv_bias``, the stage's bias fixed at -(mean + t * std) of each
filter's response, or -t * std with ``"centre": false``; a run with a trainable bias reports where it
ended as ``first_conv_bias``). Lines with ``"frozen_whitening": true`` ran what the recipe's
``freeze_whitening`` now does (the script had that option until the default took it); since then the
default, and so every run here, freezes its whitening layer unless ``"freeze_whitening": false``.
Lines of the results file written before the recipe had
``whitening_start`` record it as ``"whiten_init"`` (the same filters, computed by this script then). It prints one JSON line: the
recipe as run, the median training step, every validation as (training seconds, accuracy), and
after a whole run the final validation accuracy with the recipe's prediction views and its Shirt
recall. That score predicts as the default does, decision weights included, whatever the JSON
overrides (lines written before the default had decision weights were scored without them).
"""

import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from fmnist.analysis.evaluate import evaluate
from fmnist.config import NUM_CLASSES, SEED
from fmnist.data import locate
from fmnist.data.augment import shift_and_flip
from fmnist.data.pipeline import split_validation, stratified_subset
from fmnist.data.transforms import mirror
from fmnist.inference.trained_model import TrainedModel
from fmnist.inference.views import PREDICT_BATCH_SIZE
from fmnist.training.callbacks import EpochTimer, ValidateHalfway
from fmnist.training.history import validation_timeline
from fmnist.training.recipes import DEFAULT_MODEL, builder, get_recipe
from fmnist.training.train import compiled_model, recipe_dataset, steps_per_epoch
from fmnist.training.weight_average import WeightAverage

changes = json.loads(sys.argv[1])
seed, ema_warm, train_size = changes.pop("seed", SEED), changes.pop("ema_warm", 10), changes.pop("train_size", None)
erase, muon = changes.pop("erase", 0.0), changes.pop("muon", None)
decay_norms, bn_scale = changes.pop("decay_norms", True), changes.pop("bn_scale", True)
alternating_flips = changes.pop("alternating_flips", False)
lookahead, shift_rate = changes.pop("lookahead", None), changes.pop("bn_shift_rate", 1.0)
whitening_patch = changes.pop("whitening_patch", None)
fixed_first_bias = changes.pop("fixed_first_bias", None)
recipe = get_recipe(DEFAULT_MODEL)
build_args = dict(recipe.build.arguments) | changes.pop("build", {})
recipe = dataclasses.replace(recipe, build=builder("build_vgg_bn", **build_args), **changes)
run_epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 2

if whitening_patch is not None:  # whitening filters of larger patches, the highest-variance directions only
    from fmnist.training import whitening

    every_direction = whitening.patch_whitening_filters

    def strongest_directions(images):
        filters = every_direction(images)  # the directions by rising variance, then their negatives
        count, keep = filters.shape[3] // 2, whitening_patch["keep"]
        return np.concatenate([filters[..., count - keep : count], filters[..., 2 * count - keep :]], axis=3)

    whitening.PATCH, whitening.patch_whitening_filters = whitening_patch["size"], strongest_directions
    build_args["first_kernel"] = whitening_patch["size"]
    recipe = dataclasses.replace(recipe, build=builder("build_vgg_bn", **build_args))

(x, y), _ = locate(None).read()
(x_train, y_train), (x_val, y_val) = split_validation(x, y, recipe.validation_fraction, seed)
x_train, y_train = stratified_subset(x_train, y_train, train_size, seed)
keras.utils.set_random_seed(seed)
model = compiled_model(recipe, x_train, recipe.epochs)
if muon is not None:
    schedule = model.optimizer._learning_rate
    decay = recipe.weight_decay
    model.compile(
        optimizer=keras.optimizers.Muon(schedule, weight_decay=decay, adam_weight_decay=decay, **muon),
        loss=model.loss,
        metrics=["accuracy"],
        jit_compile=False,
    )


def first_conv_statistics():
    """The first convolution, and its responses' mean and standard deviation per filter (bias left out)
    on 2,000 training images."""
    conv = next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D))
    responses = tf.nn.conv2d(tf.constant(x_train[:2000, :, :, None], tf.float32) / 255, conv.kernel, 1, "SAME")
    mean, std = (tf.reduce_mean(responses, [0, 1, 2]).numpy(), tf.math.reduce_std(responses, [0, 1, 2]).numpy())
    return conv, mean, std


if fixed_first_bias is not None:  # the pooled stage's bias fixed at -(centre * mean + t * std) per filter
    conv, mean, std = first_conv_statistics()
    conv.bias.assign(-(fixed_first_bias.get("centre", True) * mean + fixed_first_bias["t"] * std))
    conv.bias.trainable = False
if shift_rate != 1.0:  # batch norm's shift updated at this multiple of the learning rate

    class AdamFasterShift(keras.optimizers.Adam):
        def update_step(self, gradient, variable, learning_rate):
            if variable.name.rsplit("/", 1)[-1].split(":")[0] == "beta":  # TensorFlow's name, "…/beta:0"
                learning_rate = learning_rate * shift_rate
            super().update_step(gradient, variable, learning_rate)

    model.compile(
        optimizer=AdamFasterShift(model.optimizer._learning_rate, weight_decay=recipe.weight_decay),
        loss=model.loss,
        metrics=["accuracy"],
        jit_compile=False,
    )
if not decay_norms:  # weight decay on convolution and dense kernels only
    model.optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
if not bn_scale:  # batch norm's scale stays 1: only its shift trains
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.gamma.trainable = False


class Average(WeightAverage):
    @tf.function
    def _update(self):
        steps = tf.cast(self.model.optimizer.iterations, "float32")
        momentum = tf.minimum(self.momentum, (1 + steps) / (ema_warm + steps))
        for average, weight in zip(self.averages, self.model.weights):
            average.assign(momentum * average + (1 - momentum) * tf.cast(weight.value, average.dtype))


class StepTimes(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.ends = [time.perf_counter()]

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())


def random_erasing(images, labels):
    shape = tf.shape(images)
    batch, side = shape[0], tf.cast(shape[1], tf.float32)
    area = tf.random.uniform([batch], 0.02, 0.4) * side * side
    aspect = tf.exp(tf.random.uniform([batch], np.log(0.3), np.log(3.3)))
    heights = tf.minimum(tf.round(tf.sqrt(area * aspect)), side)
    widths = tf.minimum(tf.round(tf.sqrt(area / aspect)), side)
    tops = tf.floor(tf.random.uniform([batch]) * (side - heights + 1))
    lefts = tf.floor(tf.random.uniform([batch]) * (side - widths + 1))
    grid = tf.range(side)
    rows = (grid[None] >= tops[:, None]) & (grid[None] < (tops + heights)[:, None])
    cols = (grid[None] >= lefts[:, None]) & (grid[None] < (lefts + widths)[:, None])
    chosen = tf.random.uniform([batch, 1, 1]) < erase
    box = (rows[:, :, None] & cols[:, None, :] & chosen)[..., None]
    return tf.where(box, tf.random.uniform(shape), images), labels


def alternately_flipped(images, labels):
    """The recipe's batches, but each image mirrored on every other epoch (a random half of them in
    the first), not at random: airbench's alternating flips. ``Parity`` sets the epoch."""
    first = np.random.default_rng(seed).random(len(images)) < 0.5
    batches = (
        tf.data.Dataset.from_tensor_slices((images, labels, first))
        .shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        .batch(recipe.batch_size)
    )
    batch_seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)

    def prepare(batch, batch_seed):
        batch_images, batch_labels, flipped_first = batch
        x = tf.cast(batch_images, tf.float32)[..., tf.newaxis] / 255.0
        mirrored = tf.not_equal(flipped_first, tf.equal(epoch_parity % 2, 1))
        x = tf.where(mirrored[:, None, None, None], mirror(x), x)
        x = shift_and_flip(x, batch_seed, max_shift=recipe.shift, flip=False)
        return x, tf.one_hot(tf.cast(batch_labels, tf.int32), NUM_CLASSES)

    options = tf.data.Options()
    options.threading.private_threadpool_size = 1
    options.autotune.enabled = False
    return tf.data.Dataset.zip((batches, batch_seeds)).map(prepare).prefetch(2).with_options(options)


class Parity(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        epoch_parity.assign(epoch)


class Lookahead(keras.callbacks.Callback):
    """airbench's Lookahead: every ``every`` steps, slow = d * slow + (1 - d) * weights and the
    weights move to slow, with d = base ** every * (step / total steps) ** 3 (no pull at the start,
    the strongest at the end); at the end the weights become slow. Every weight, batch-norm statistics too."""

    def __init__(self, every, base, total_steps):
        super().__init__()
        self.every, self.base, self.total_steps = every, base, total_steps

    def on_train_begin(self, logs=None):
        self.slow = [tf.Variable(w.numpy(), trainable=False) for w in self.model.weights]

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        if step % self.every == 0:
            self._update(tf.constant(self.base**self.every * (step / self.total_steps) ** 3, tf.float32))

    def on_train_end(self, logs=None):
        self._update(tf.constant(1.0))

    @tf.function
    def _update(self, decay):
        for slow, weight in zip(self.slow, self.model.weights):
            slow.assign(decay * slow + (1 - decay) * tf.cast(weight.value, slow.dtype))
            weight.assign(tf.cast(slow, weight.dtype))


epoch_parity = tf.Variable(0, trainable=False)
if alternating_flips:
    training, parity = alternately_flipped(x_train, y_train), [Parity()]
else:
    training, parity = recipe_dataset(recipe, x_train, y_train, training=True, seed=seed), []
if erase:
    training = training.map(random_erasing)
validation = recipe_dataset(recipe, x_val, y_val, training=False, seed=seed, batch_size=PREDICT_BATCH_SIZE)
average = [Average(recipe.weight_average, Path(tempfile.mkdtemp()))] if recipe.weight_average else []
halfway = (
    [ValidateHalfway(validation, y_val, steps_per_epoch(recipe, len(x_train)), average)]
    if recipe.validate_halfway
    else []
)
steps = StepTimes()
# before the average: it averages the weights as the pull leaves them, and puts its average in last
pull = (
    [
        Lookahead(
            lookahead.get("every", 5),
            lookahead.get("base", 0.95),
            steps_per_epoch(recipe, len(x_train)) * recipe.epochs,
        )
    ]
    if lookahead is not None
    else []
)
history = model.fit(
    training,
    validation_data=validation,
    epochs=run_epochs,
    shuffle=False,
    verbose=0,
    callbacks=[*parity, EpochTimer(), steps, *pull, *average, *halfway],
).history
seconds, accuracy = validation_timeline(history)
result = {
    "recipe": {
        field: getattr(recipe, field)
        for field in (
            "epochs",
            "learning_rate",
            "warmup_epochs",
            "batch_size",
            "weight_average",
            "whitening_start",
            "freeze_whitening",
        )
    }
    | {"build": build_args, "seed": seed, "ema_warm": ema_warm, "epochs_run": run_epochs}
    | ({"train_size": len(x_train)} if train_size else {})
    | ({"erase": erase} if erase else {})
    | ({"muon": muon} if muon is not None else {})
    | ({"decay_norms": False} if not decay_norms else {})
    | ({"bn_scale": False} if not bn_scale else {})
    | ({"alternating_flips": True} if alternating_flips else {})
    | ({"lookahead": lookahead} if lookahead is not None else {})
    | ({"bn_shift_rate": shift_rate} if shift_rate != 1.0 else {})
    | ({"whitening_patch": whitening_patch} if whitening_patch is not None else {})
    | ({"fixed_first_bias": fixed_first_bias} if fixed_first_bias is not None else {}),
    "median_step_ms": round(1e3 * float(np.median(np.diff(steps.ends))), 1),
    "validations": [(round(float(s), 1), round(float(a), 4)) for s, a in zip(seconds, accuracy)],
}
if run_epochs == recipe.epochs:  # the model now holds the average: score it as the recipe predicts
    scored = evaluate(TrainedModel(model, DEFAULT_MODEL), x_val, y_val)
    result |= {
        "val_accuracy_views": round(scored.accuracy, 4),
        "val_shirt_recall_views": round(scored.per_class_recall["Shirt"], 4),
    }
if build_args.get("first_conv_bias"):  # where the bias ended, per filter, in its responses' units
    conv, mean, std = first_conv_statistics()
    result["first_conv_bias"] = {
        "bias_over_std": [round(float(v), 3) for v in conv.bias.numpy() / std],
        "mean_over_std": [round(float(v), 3) for v in mean / std],
    }
print(json.dumps(result))
