"""Keras callbacks the trainer adds: epoch timing and a per-epoch test curve."""

import time

import keras


class EpochTimer(keras.callbacks.Callback):
    """Add each epoch's wall-clock seconds to its logs: ``epoch_seconds`` (training and validation)
    and ``train_seconds`` (training batches only)."""

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.train_end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs["epoch_seconds"] = time.perf_counter() - self.start
        logs["train_seconds"] = self.train_end - self.start


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
