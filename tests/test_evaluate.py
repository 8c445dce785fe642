"""Evaluation: flip averaging, the per-class table, and the comparison of saved models."""

import numpy as np
import pytest

from fmnist.analysis.evaluate import accuracy_interval, compare_models, evaluate, paired_outcomes
from fmnist.config import CLASS_NAMES, card_path
from fmnist.files import write_json
from fmnist.inference.trained_model import TrainedModel
from fmnist.inference.views import predict_proba
from fmnist.training.builders import build_baseline_cnn


def test_flip_tta_averages_image_and_mirror(splits):
    (images, _), _ = splits
    model = build_baseline_cnn()
    plain = predict_proba(model, images)
    mirrored = predict_proba(model, images[:, :, ::-1])
    np.testing.assert_allclose(predict_proba(model, images, ("plain", "mirrored")), (plain + mirrored) / 2, rtol=1e-5)
    assert not np.allclose(plain, mirrored)  # the mirror really is a different input


def test_evaluation_agrees_with_its_predictions(splits):
    (images, labels), _ = splits
    result = evaluate(TrainedModel(build_baseline_cnn(), "baseline"), images, labels)
    predicted = result.probs.argmax(axis=1)
    assert result.accuracy == pytest.approx(np.mean(predicted == labels))
    assert result.confusion.sum() == len(labels) and np.trace(result.confusion) == np.sum(predicted == labels)
    assert list(result.table.index[:10]) == list(CLASS_NAMES)
    assert result.table.loc["Shirt", "recall"] == pytest.approx(result.per_class_recall["Shirt"])


def test_compare_models_reads_every_card(tmp_path):
    for name, accuracy in (("baseline", 0.91), ("vgg_bn", 0.94)):
        write_json(
            card_path(name, tmp_path),
            {
                "model": name,
                "parameters": 1,
                "epochs": 2,
                "training_seconds": 3.0,
                "best_val_accuracy": 0.9,
                "test_accuracy": accuracy,
                "per_class_recall": {"Shirt": accuracy - 0.1},
            },
        )
    table = compare_models(tmp_path)
    assert list(table.index) == ["vgg_bn", "baseline"]
    assert table.loc["vgg_bn", "Shirt recall"] == pytest.approx(0.84)


def test_accuracy_interval_brackets_the_accuracy_and_narrows_with_more_images():
    rng = np.random.default_rng(0)
    small, large = rng.random(400) < 0.9, rng.random(10_000) < 0.9
    low, high = accuracy_interval(small)
    assert low < small.mean() < high
    assert (high - low) > 2 * np.subtract(*accuracy_interval(large)[::-1])


def test_paired_outcomes_count_each_case_and_test_the_disagreements():
    a = np.array([True] * 8 + [False] * 2)
    b = np.array([True] * 4 + [False] * 4 + [True, False])
    table, p_value = paired_outcomes({"a": a, "b": b})
    assert table.to_numpy().tolist() == [[4, 4], [1, 1]]
    assert p_value == pytest.approx(0.375)  # 4 against 1 disagreements: two-sided binomial test
    assert paired_outcomes({"a": a, "b": a})[1] == 1.0
