"""Reading a training history (per-epoch logs): when each validation happened and what it scored."""

import numpy as np


def validation_timeline(history: dict) -> tuple[np.ndarray, np.ndarray]:
    """Training seconds at each validation and the accuracy it scored, in time order: at every
    epoch's end, and halfway through where the history has :class:`fmnist.training.callbacks.ValidateHalfway`'s columns."""
    ends = np.cumsum(history["epoch_seconds"])
    seconds, accuracy = list(ends), list(history["val_accuracy"])
    if "halfway_val_accuracy" in history:
        seconds += list(ends - np.asarray(history["epoch_seconds"]) + np.asarray(history["halfway_seconds"]))
        accuracy += list(history["halfway_val_accuracy"])
    order = np.argsort(seconds, kind="stable")
    return np.asarray(seconds)[order], np.asarray(accuracy)[order]


def seconds_to_accuracy(history: dict, target: float) -> float | None:
    """Training seconds until validation accuracy first reached ``target`` (None if never), at an
    epoch's end or, where the history has it, halfway through one."""
    elapsed, accuracy = validation_timeline(history)
    reached = np.flatnonzero(accuracy >= target)
    return float(elapsed[reached[0]]) if reached.size else None
