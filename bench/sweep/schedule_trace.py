"""What the learning-rate schedule costs the default's first step: Keras's ``CosineDecay`` (a
conditional, which AdamW's weight decay builds once per weight) against the same rates computed
without one. Trains two epochs with each, alternately, ``rounds`` times; prints one JSON line per run.

Used for section 18 of bench/README.md. It scores the validation split only, never the test set.

    ONEDNN_MAX_CPU_ISA=AVX2 FMNIST_PRECISION=float32 python bench/sweep/schedule_trace.py 2
"""

import json
import math
import sys
import time

import keras
from keras import ops

from fmnist.config import SEED
from fmnist.data import locate
from fmnist.data.pipeline import split_validation
from fmnist.training.callbacks import EpochTimer
from fmnist.training.recipes import DEFAULT_MODEL, get_recipe
from fmnist.training.train import compiled_model, recipe_dataset, steps_per_epoch


class WarmupCosineWithoutCond(keras.optimizers.schedules.LearningRateSchedule):
    """CosineDecay(0, decay_steps, warmup_target=peak, warmup_steps=warmup)'s rates; ``where``, not ``cond``."""

    def __init__(self, peak, warmup_steps, decay_steps):
        self.peak, self.warmup_steps, self.decay_steps = peak, warmup_steps, decay_steps

    def __call__(self, step):
        step = ops.minimum(ops.cast(step, "float32"), float(self.warmup_steps + self.decay_steps))
        warming = self.peak * step / self.warmup_steps
        decaying = self.peak * 0.5 * (1.0 + ops.cos(math.pi * (step - self.warmup_steps) / self.decay_steps))
        return ops.where(step < self.warmup_steps, warming, decaying)

    def get_config(self):
        return {"peak": self.peak, "warmup_steps": self.warmup_steps, "decay_steps": self.decay_steps}


class FirstBatch(keras.callbacks.Callback):
    """The seconds from the start of the first epoch to the end of its first batch."""

    def on_train_begin(self, logs=None):
        self.seconds = None

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.seconds is None:
            self.seconds = time.perf_counter() - self.start


rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
recipe = get_recipe(DEFAULT_MODEL)
(x, y), _ = locate(None).read()
(x_train, y_train), (x_val, y_val) = split_validation(x, y, recipe.validation_fraction, SEED)
steps = steps_per_epoch(recipe, len(x_train))
warmup = int(steps * recipe.warmup_epochs)
for _ in range(rounds):
    for schedule in ("CosineDecay", "without cond"):
        keras.utils.set_random_seed(SEED)
        model = compiled_model(recipe, x_train, recipe.epochs)
        if schedule != "CosineDecay":
            rate = WarmupCosineWithoutCond(recipe.learning_rate, warmup, steps * recipe.epochs - warmup)
            optimizer = keras.optimizers.Adam(rate, weight_decay=recipe.weight_decay)
            model.compile(optimizer=optimizer, loss=model.loss, metrics=["accuracy"], jit_compile=False)
        first = FirstBatch()
        history = model.fit(
            recipe_dataset(recipe, x_train, y_train, training=True, seed=SEED),
            validation_data=recipe_dataset(recipe, x_val, y_val, training=False, seed=SEED),
            epochs=2,
            verbose=0,
            callbacks=[EpochTimer(), first],
        ).history
        result = {
            "schedule": schedule,
            "first_batch_seconds": round(first.seconds, 3),
            "epoch_seconds": [round(seconds, 2) for seconds in history["epoch_seconds"]],
            "val_accuracy": [round(accuracy, 4) for accuracy in history["val_accuracy"]],
            "rate_after_two_epochs": float(model.optimizer.learning_rate),
        }
        print(json.dumps(result), flush=True)
