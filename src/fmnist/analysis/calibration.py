"""How far predicted confidence is from accuracy, and temperature scaling to close the gap."""

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

BINS = 15


def reliability(probs: np.ndarray, labels: np.ndarray, bins: int = BINS) -> pd.DataFrame:
    """Per confidence bin (equal width over [0, 1]): images, mean confidence and accuracy."""
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == labels
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    table = pd.DataFrame({"bin": which, "confidence": confidence, "accuracy": correct})
    table = table.groupby("bin").agg(
        images=("accuracy", "size"), confidence=("confidence", "mean"), accuracy=("accuracy", "mean")
    )
    table["lower"], table["upper"] = table.index / bins, (table.index + 1) / bins
    return table


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = BINS) -> float:
    """ECE: the image-weighted mean gap between confidence and accuracy over the bins."""
    table = reliability(probs, labels, bins)
    return float(np.sum(table["images"] * (table["confidence"] - table["accuracy"]).abs()) / len(labels))


def scale(probs: np.ndarray, temperature: float) -> np.ndarray:
    """Probabilities after dividing the log-probabilities (logits up to a constant) by ``temperature``."""
    logits = np.log(np.clip(probs, 1e-12, 1.0)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def negative_log_likelihood(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean negative log-probability of the true labels."""
    return float(-np.mean(np.log(np.clip(probs[np.arange(len(labels)), labels], 1e-12, None))))


def fit_temperature(probs: np.ndarray, labels: np.ndarray) -> float:
    """The temperature that minimises the negative log-likelihood of ``labels`` (fit it on validation data)."""
    fit = minimize_scalar(
        lambda log_t: negative_log_likelihood(scale(probs, np.exp(log_t)), labels),
        bounds=(np.log(0.05), np.log(20.0)),
        method="bounded",
    )
    return float(np.exp(fit.x))


def summary(versions: dict[str, np.ndarray], labels: np.ndarray) -> pd.DataFrame:
    """ECE, negative log-likelihood, mean confidence and accuracy of each named set of probabilities."""
    return pd.DataFrame.from_dict(
        {
            name: {
                "ECE": expected_calibration_error(probs, labels),
                "negative log-likelihood": negative_log_likelihood(probs, labels),
                "mean confidence": probs.max(axis=1).mean(),
                "accuracy": np.mean(probs.argmax(axis=1) == labels),
            }
            for name, probs in versions.items()
        },
        orient="index",
    )
