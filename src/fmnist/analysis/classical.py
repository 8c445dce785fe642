"""Classical scikit-learn baselines on raw pixels, for context next to the CNNs."""

import time

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from fmnist.config import SEED
from fmnist.data.pipeline import stratified_subset


def classifiers(seed: int = SEED) -> dict:
    """The baselines, by name: multinomial logistic regression and a random forest."""
    return {
        "logistic regression": LogisticRegression(C=0.05, max_iter=300),
        "random forest": RandomForestClassifier(n_estimators=200, n_jobs=-1, random_state=seed),
    }


def fit_classical(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    train_size: int,
    seed: int = SEED,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Fit each baseline on a stratified ``train_size`` subset of pixels scaled to [0, 1].

    Returns a table (fit and predict seconds, training images) and each model's test probabilities.
    """
    x_train, y_train = stratified_subset(x_train, y_train, train_size, seed)
    flat_train = x_train.reshape(len(x_train), -1) / 255.0
    flat_test = x_test.reshape(len(x_test), -1) / 255.0
    rows, probs = {}, {}
    for name, model in classifiers(seed).items():
        start = time.perf_counter()
        model.fit(flat_train, y_train)
        fitted = time.perf_counter()
        probs[name] = model.predict_proba(flat_test)
        rows[name] = {
            "training images": len(x_train),
            "fit seconds": fitted - start,
            "predict seconds": time.perf_counter() - fitted,
        }
    return pd.DataFrame.from_dict(rows, orient="index"), probs
