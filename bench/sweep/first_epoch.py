"""Where the default's first epochs spend their seconds: the gap before each training batch ends,
and when the halfway and end-of-epoch validations begin and end, as the trainer runs them
(its moving average and halfway validation, no resume files). Seed 42, the recipe's own split.

Used for section 18 of bench/README.md. It scores the validation split only, never the test set.

    ONEDNN_MAX_CPU_ISA=AVX2 FMNIST_PRECISION=float32 python bench/sweep/first_epoch.py 3
"""

import json
import sys
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from fmnist.config import SEED
from fmnist.data import locate
from fmnist.data.pipeline import split_validation
from fmnist.inference.views import PREDICT_BATCH_SIZE
from fmnist.tools.bench.machine import cpu_info
from fmnist.training.callbacks import EpochTimer, ValidateHalfway
from fmnist.training.recipes import DEFAULT_MODEL, get_recipe
from fmnist.training.train import compiled_model, recipe_dataset, steps_per_epoch
from fmnist.training.weight_average import WeightAverage

epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
recipe = get_recipe(DEFAULT_MODEL)
(x, y), _ = locate(None).read()
(x_train, y_train), (x_val, y_val) = split_validation(x, y, recipe.validation_fraction, SEED)
keras.utils.set_random_seed(SEED)
start = time.perf_counter()
model = compiled_model(recipe, x_train, recipe.epochs)
compiled = time.perf_counter() - start
events = []


class Marks(keras.callbacks.Callback):
    def _mark(self, name):
        events.append((name, time.perf_counter()))

    def on_epoch_begin(self, epoch, logs=None):
        self._mark("epoch_begin")

    def on_train_batch_end(self, batch, logs=None):
        self._mark("batch")

    def on_test_begin(self, logs=None):
        self._mark("validation_begin")

    def on_test_end(self, logs=None):
        self._mark("validation_end")

    def on_predict_begin(self, logs=None):
        self._mark("halfway_begin")

    def on_predict_end(self, logs=None):
        self._mark("halfway_end")


validation = recipe_dataset(recipe, x_val, y_val, training=False, seed=SEED, batch_size=PREDICT_BATCH_SIZE)
average, marks = WeightAverage(recipe.weight_average, Path(tempfile.mkdtemp())), Marks()
halfway = ValidateHalfway(validation, y_val, steps_per_epoch(recipe, len(x_train)), [average, marks])
history = model.fit(
    recipe_dataset(recipe, x_train, y_train, training=True, seed=SEED),
    validation_data=validation,
    epochs=epochs,
    shuffle=False,
    verbose=0,
    callbacks=[EpochTimer(), average, halfway, marks],
).history
starts = [t for name, t in events if name == "epoch_begin"] + [float("inf")]
per_epoch = []
for epoch in range(epochs):
    inside = [(name, t - starts[epoch]) for name, t in events if starts[epoch] <= t < starts[epoch + 1]]
    gaps = np.diff([0.0] + [t for name, t in inside if name == "batch"])
    per_epoch.append(
        {
            "epoch_seconds": round(history["epoch_seconds"][epoch], 2),
            "first_batch_seconds": round(float(gaps[0]), 3),
            "median_batch_ms": round(1e3 * float(np.median(gaps)), 1),
            "marks": {name: round(t, 2) for name, t in inside if name != "batch" and name != "epoch_begin"},
            "halfway_val_accuracy": round(history["halfway_val_accuracy"][epoch], 4),
            "val_accuracy": round(history["val_accuracy"][epoch], 4),
        }
    )
print(json.dumps({"cpu": cpu_info(), "build_and_compile_seconds": round(compiled, 2), "epochs": per_epoch}))
