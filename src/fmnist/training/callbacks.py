"""Keras callbacks the trainer adds: epoch timing, a validation halfway through each epoch, a per-epoch test curve."""

import time
from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf


class EpochTimer(keras.callbacks.Callback):
    """Add each epoch's wall-clock seconds to its logs: ``epoch_seconds`` (training and validation)
    and ``train_seconds`` (to the end of the last training batch: validation at the epoch's end excluded)."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.train_end = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs["epoch_seconds"] = time.perf_counter() - self.start
        logs["train_seconds"] = self.train_end - self.start


class ValidateHalfway(keras.callbacks.Callback):
    """Score validation accuracy halfway through every epoch too, so that the time to a given
    accuracy is measured to half an epoch: adds ``halfway_val_accuracy`` and ``halfway_seconds``
    (from the epoch's start to the end of that validation) to the epoch's logs.

    It predicts rather than evaluates: evaluating would reset the epoch's training metrics.
    """

    def __init__(
        self,
        validation_data: tf.data.Dataset,
        validation_labels: np.ndarray,
        steps_per_epoch: int,
        prediction_callbacks: Sequence[keras.callbacks.Callback] = (),
    ):
        super().__init__()
        self.validation_data = validation_data
        self.validation_labels = validation_labels
        self.halfway_step = max(1, steps_per_epoch // 2)
        self.prediction_callbacks = list(prediction_callbacks)  # e.g. a WeightAverage: score what validation scores

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if batch + 1 == self.halfway_step:
            scores = self.model.predict(self.validation_data, verbose=0, callbacks=self.prediction_callbacks)
            self.accuracy = float(np.mean(scores.argmax(axis=1) == self.validation_labels))
            self.seconds = time.perf_counter() - self.start

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs["halfway_val_accuracy"] = self.accuracy
        logs["halfway_seconds"] = self.seconds


class RecordTestCurves(keras.callbacks.Callback):
    """Record test loss and accuracy after every epoch, for the test-curve figure only.

    Nothing reads these numbers to make a choice (epochs, early stopping, model selection):
    those use the validation split.
    """

    def __init__(self, test_data: tf.data.Dataset, evaluation_callbacks: Sequence[keras.callbacks.Callback] = ()):
        super().__init__()
        self.test_data = test_data
        self.evaluation_callbacks = list(evaluation_callbacks)  # e.g. a WeightAverage: score what validation scores

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        scores = self.model.evaluate(self.test_data, verbose=0, return_dict=True, callbacks=self.evaluation_callbacks)
        logs.update({f"test_{name}": value for name, value in scores.items()})
