"""An exponential moving average of a model's weights, batch-norm statistics included.

Validation scores the average, and it becomes the model's weights when training ends: it passes
91% validation accuracy sooner than the raw weights and ends no worse (bench/README.md).
Its state is saved beside the trainer's backup after every epoch, so an interrupted run resumes it.
"""

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from fmnist.files import atomic_path


class WeightAverage(keras.callbacks.Callback):
    """Keep ``average = m * average + (1 - m) * weight`` for every weight after every training step.

    ``m`` is ``momentum``, warmed up as ``(1 + n) / (10 + n)`` over the first ``n`` steps so that
    the random initial weights are soon forgotten. ``fit``'s validation scores the average, as does
    any ``evaluate`` or ``predict`` given this callback; when training ends the model keeps the
    average. ``state_dir`` keeps it across an interruption.
    """

    def __init__(self, momentum: float, state_dir: Path):
        super().__init__()
        if not 0 < momentum < 1:
            raise ValueError(f"the moving average's momentum must lie between 0 and 1, not {momentum}")
        self.momentum = momentum
        self.state_dir = Path(state_dir)
        self.averages: list[tf.Variable] | None = None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if self.averages is not None:
            return
        weights = [w.numpy() for w in self.model.weights]  # copies: a Variable of w.value shares w's storage
        if epoch > 0:  # resuming after `epoch` finished epochs: their average was saved
            with np.load(self._state_file(epoch)) as saved:
                weights = [saved[f"w{i}"] for i in range(len(weights))]
        self.averages = [tf.Variable(w, trainable=False) for w in weights]

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._update()

    @tf.function
    def _update(self):
        steps = tf.cast(self.model.optimizer.iterations, "float32")
        momentum = tf.minimum(self.momentum, (1 + steps) / (10 + steps))
        for average, weight in zip(self.averages, self.model.weights):
            average.assign(momentum * average + (1 - momentum) * tf.cast(weight.value, average.dtype))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        # The trainer's backup is written after this (BackupAndRestore comes later in the callback
        # list) and may fall back one epoch: keep the average of the last two epochs.
        with atomic_path(self._state_file(epoch + 1)) as partial:
            np.savez(partial, **{f"w{i}": average.numpy() for i, average in enumerate(self.averages)})
        self._state_file(epoch - 1).unlink(missing_ok=True)

    def on_train_end(self, logs: dict | None = None) -> None:
        for average, weight in zip(self.averages, self.model.weights):
            weight.assign(average.read_value())

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._swap()

    def on_test_end(self, logs: dict | None = None) -> None:
        self._swap()

    on_predict_begin = on_test_begin
    on_predict_end = on_test_end

    def _swap(self):
        for average, weight in zip(self.averages, self.model.weights):
            kept = weight.numpy()
            weight.assign(average.read_value())
            average.assign(kept)

    def _state_file(self, finished_epochs: int) -> Path:
        return self.state_dir / f"weight-average-{finished_epochs}.npz"
