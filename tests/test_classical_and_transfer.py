"""The scikit-learn baselines and the transfer-learning code path (without ImageNet weights)."""

import keras
import numpy as np
import pytest

from fmnist.analysis import transfer
from fmnist.analysis.classical import fit_classical
from fmnist.analysis.transfer import INPUT_SIZE, backbone_weights, build_transfer_model, transfer_learn


def test_classical_baselines_fit_a_stratified_subset(splits):
    (x_train, y_train), (x_test, y_test) = splits
    table, probs = fit_classical(x_train, y_train, x_test, y_test, train_size=20)
    assert list(table.index) == ["logistic regression", "random forest"]
    assert (table["training images"] == 20).all() and (table["fit seconds"] > 0).all()
    for p in probs.values():
        assert p.shape == (len(x_test), 10)
        np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_backbone_weights_fall_back_to_none_when_the_download_fails(monkeypatch, capsys):
    def offline(**kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- [Errno -3]")

    monkeypatch.setattr(keras.applications, "MobileNetV2", offline)
    assert backbone_weights() is None
    assert "ImageNet weights unavailable here (URL fetch failure" in capsys.readouterr().out
    monkeypatch.setattr(keras.applications, "MobileNetV2", lambda **kwargs: None)
    assert backbone_weights() == "imagenet"


def test_transfer_model_feeds_resized_rgb_to_the_backbone():
    model, backbone = build_transfer_model(weights=None)
    assert backbone.input_shape == (None, INPUT_SIZE, INPUT_SIZE, 3)
    assert model.predict(np.zeros((2, 28, 28, 1)), verbose=0).shape == (2, 10)


@pytest.fixture
def eager():
    """Run ``tf.function``s eagerly: for one batch, building MobileNetV2's graphs costs 20 s.

    05_improvements runs transfer learning in graph mode, as users do, in every test run.
    """
    import tensorflow as tf

    tf.config.run_functions_eagerly(True)
    yield
    tf.config.run_functions_eagerly(False)


@pytest.mark.slow
def test_transfer_learning_freezes_then_fine_tunes(splits, monkeypatch, eager):
    monkeypatch.setattr(transfer, "INPUT_SIZE", 32)  # the smallest MobileNetV2 input: keeps the test quick
    (x_train, y_train), (x_val, y_val) = splits
    model, phases = transfer_learn((x_train, y_train), (x_val, y_val), weights=None, frozen_epochs=1, finetune_epochs=1)
    frozen, tuned = phases
    assert (frozen["phase"], tuned["phase"]) == ("frozen backbone", "fine-tuned")
    assert frozen["trainable parameters"] == 1280 * 10 + 10  # only the new head
    assert tuned["trainable parameters"] > 2_000_000
    assert all(p["training seconds"] > 0 and p["ms per training image"] > 0 for p in phases)
    assert model.predict(x_val[..., None] / 255, verbose=0).shape == (len(x_val), 10)
