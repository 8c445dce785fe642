"""Reliability bins, expected calibration error and temperature scaling on synthetic predictions."""

import numpy as np
import pytest

from fmnist.analysis.calibration import (
    expected_calibration_error,
    fit_temperature,
    negative_log_likelihood,
    reliability,
    scale,
    summary,
)


def _sampled(confidence, n=20000, seed=0):
    """Predictions with the given top-class confidence whose labels are right with probability ``true_accuracy``."""
    rng = np.random.default_rng(seed)
    predicted = rng.integers(0, 10, n)
    probs = np.full((n, 10), (1 - confidence) / 9)
    probs[np.arange(n), predicted] = confidence
    return probs, predicted, rng


def _labels(predicted, accuracy, rng):
    wrong = rng.random(len(predicted)) > accuracy
    return np.where(wrong, (predicted + rng.integers(1, 10, len(predicted))) % 10, predicted)


def test_calibrated_predictions_have_almost_no_error():
    probs, predicted, rng = _sampled(0.8)
    labels = _labels(predicted, 0.8, rng)
    assert expected_calibration_error(probs, labels) < 0.01


def test_overconfidence_is_measured_and_cooled_by_temperature():
    probs, predicted, rng = _sampled(0.99)
    labels = _labels(predicted, 0.8, rng)
    assert expected_calibration_error(probs, labels) == pytest.approx(0.19, abs=0.01)
    temperature = fit_temperature(probs, labels)
    assert temperature > 1
    scaled = scale(probs, temperature)
    assert expected_calibration_error(scaled, labels) < 0.02
    assert negative_log_likelihood(scaled, labels) < negative_log_likelihood(probs, labels)
    np.testing.assert_array_equal(scaled.argmax(axis=1), probs.argmax(axis=1))  # predictions never change


def test_scaling_by_one_changes_nothing_and_rows_stay_distributions():
    probs = np.random.default_rng(1).dirichlet(np.ones(10), size=50)
    np.testing.assert_allclose(scale(probs, 1.0), probs, rtol=1e-6)
    np.testing.assert_allclose(scale(probs, 3.0).sum(axis=1), 1.0)


def test_reliability_bins_hold_every_prediction():
    probs = np.random.default_rng(2).dirichlet(np.ones(10) * 0.3, size=500)
    labels = np.random.default_rng(3).integers(0, 10, 500)
    table = reliability(probs, labels, bins=10)
    assert table["images"].sum() == 500
    assert ((table["confidence"] >= table["lower"]) & (table["confidence"] <= table["upper"])).all()


def test_summary_scores_each_version():
    labels = np.array([0, 1, 1, 0])
    probs = np.full((4, 10), 0.01)
    probs[[0, 1, 2, 3], [0, 1, 0, 0]] = 0.91
    table = summary({"raw": probs, "cooled": scale(probs, 2.0)}, labels)
    assert list(table.index) == ["raw", "cooled"]
    assert table.loc["raw", "accuracy"] == 0.75 == table.loc["cooled", "accuracy"]
    assert table.loc["cooled", "mean confidence"] < table.loc["raw", "mean confidence"]
