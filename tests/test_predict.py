"""The inference model: raw uint8 images in, probabilities out, the recipe's views averaged inside."""

import numpy as np
import pytest

from fmnist.inference.views import VIEWS, decision_weights_of, inference_model, views_of
from fmnist.training.builders import build_baseline_cnn


def test_inference_model_scales_and_averages_the_views_inside(splits):
    (images, _), _ = splits
    model = build_baseline_cnn()
    scaled = images[..., None].astype(np.float32) / 255
    bare = (model.predict(scaled, verbose=0) + model.predict(scaled[:, :, ::-1], verbose=0)) / 2
    inference = inference_model(model, ("plain", "mirrored"))
    assert inference.input.dtype == "uint8" and tuple(inference.input.shape) == (None, 28, 28)
    np.testing.assert_allclose(inference.predict(images, verbose=0), bare, rtol=1e-5, atol=1e-6)


def test_shifted_views_move_by_one_pixel_and_count_half(splits):
    (images, _), _ = splits
    images = images[:8]
    model = build_baseline_cnn()
    scaled = images[..., None].astype(np.float32) / 255
    mirrored = scaled[:, :, ::-1]
    moved = {
        "up": lambda x: np.pad(x, ((0, 0), (0, 1), (0, 0), (0, 0)))[:, 1:],
        "down": lambda x: np.pad(x, ((0, 0), (1, 0), (0, 0), (0, 0)))[:, :-1],
        "left": lambda x: np.pad(x, ((0, 0), (0, 0), (0, 1), (0, 0)))[:, :, 1:],
        "right": lambda x: np.pad(x, ((0, 0), (0, 0), (1, 0), (0, 0)))[:, :, :-1],
    }
    assert moved["down"](scaled)[:, 1:].tolist() == scaled[:, :-1].tolist()  # the reference itself
    by_view = {"plain": model.predict(scaled, verbose=0), "mirrored": model.predict(mirrored, verbose=0)}
    for move, shift in moved.items():
        by_view[f"plain_{move}"] = model.predict(shift(scaled), verbose=0)
        by_view[f"mirrored_{move}"] = model.predict(shift(mirrored), verbose=0)
    assert set(by_view) == set(VIEWS)
    for view in VIEWS:  # each view alone, through the inference model
        np.testing.assert_allclose(
            inference_model(model, (view,)).predict(images, verbose=0), by_view[view], rtol=1e-5, atol=1e-6
        )
    expected = (by_view["plain"] + by_view["mirrored"] + 0.5 * sum(by_view[view] for view in VIEWS[2:])) / 6
    np.testing.assert_allclose(inference_model(model, VIEWS).predict(images, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_decision_weights_reweight_the_averaged_probabilities_and_renormalise(splits):
    (images, _), _ = splits
    model = build_baseline_cnn()
    weights = np.array([1.0] * 6 + [3.0] + [1.0] * 3)
    plain = inference_model(model, ("plain", "mirrored")).predict(images, verbose=0)
    weighted = inference_model(model, ("plain", "mirrored"), weights).predict(images, verbose=0)
    np.testing.assert_allclose(weighted, plain * weights / (plain * weights).sum(axis=1, keepdims=True), rtol=1e-5)
    assert (weighted[:, 6] > plain[:, 6]).all()
    assert decision_weights_of("fast_cnn")[6] > 1 and decision_weights_of("baseline") is None


def test_views_must_be_known():
    with pytest.raises(ValueError, match="views must be some of"):
        inference_model(build_baseline_cnn(), ("plain", "rotated"))
    assert views_of("vgg_bn") == ("plain", "mirrored") and views_of("baseline") == ("plain",)
    assert views_of("fast_cnn") == VIEWS


@pytest.mark.integration
# fast_cnn: 03_evaluate's checked output (its test accuracy on 10,000 images); vgg_bn: its records, in test_model_files
@pytest.mark.parametrize("name", ["baseline"])
def test_the_committed_models_predict_the_accuracy_their_cards_state(real_splits, name):
    from fmnist.config import MODELS_DIR, card_path
    from fmnist.files import read_json
    from fmnist.inference.trained_model import TrainedModel

    _, (x_test, y_test) = real_splits
    probs = TrainedModel.saved(name, MODELS_DIR).predict(x_test)
    assert np.mean(probs.argmax(axis=1) == y_test) == read_json(card_path(name, MODELS_DIR))["test_accuracy"]
