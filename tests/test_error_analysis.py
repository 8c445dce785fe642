"""Error-analysis helpers, on confusion matrices and probabilities built by hand."""

import keras
import numpy as np
import pytest
from keras import layers

from fmnist.analysis.error_analysis import (
    confident_mistakes,
    confused_pairs,
    hires_cam,
    mistake_gallery,
    random_images_predicted_as,
    sample_cases,
    where_errors_go,
)
from fmnist.config import CLASS_NAMES
from fmnist.runtime import build_in_precision
from fmnist.training.builders import build_baseline_cnn

SHIRT, TSHIRT, COAT = CLASS_NAMES.index("Shirt"), CLASS_NAMES.index("T-shirt/top"), CLASS_NAMES.index("Coat")


def _confusion():
    confusion = np.diag(np.full(10, 100))
    confusion[SHIRT, TSHIRT], confusion[TSHIRT, SHIRT] = 12, 8
    confusion[SHIRT, COAT] = 15
    confusion[1, 3] = 1
    return confusion


def test_confused_pairs_ranks_both_directions_together():
    pairs = confused_pairs(_confusion())
    first = pairs.iloc[0]
    assert {first["class A"], first["class B"]} == {"Shirt", "T-shirt/top"}
    assert first["errors"] == 20 and first["share of all errors"] == pytest.approx(20 / 36)
    assert {pairs.iloc[1]["class A"], pairs.iloc[1]["class B"]} == {"Coat", "Shirt"}
    assert len(pairs) == 45 and pairs["errors"].sum() == 36


def _probs_and_labels():
    labels = np.array([SHIRT, SHIRT, SHIRT, TSHIRT, TSHIRT])
    probs = np.full((5, 10), 0.01)
    probs[0, TSHIRT], probs[1, TSHIRT], probs[2, SHIRT] = 0.6, 0.9, 0.9  # two shirts taken for T-shirts
    probs[3, SHIRT], probs[4, TSHIRT] = 0.7, 0.95
    return probs, labels


def test_confident_mistakes_most_confident_first():
    probs, labels = _probs_and_labels()
    np.testing.assert_array_equal(confident_mistakes(probs, labels, SHIRT, TSHIRT), [1, 0])
    np.testing.assert_array_equal(confident_mistakes(probs, labels, SHIRT, TSHIRT, k=1), [1])
    assert confident_mistakes(probs, labels, COAT, SHIRT).size == 0


def test_mistake_gallery_takes_both_directions():
    probs, labels = _probs_and_labels()
    pairs = confused_pairs(_confusion()).head(1)
    np.testing.assert_array_equal(np.sort(mistake_gallery(probs, labels, pairs, per_direction=4)), [0, 1, 3])


def test_random_images_predicted_as_are_seeded_and_filtered():
    labels = np.array([1, 1, 1, 2, 1])
    predicted = np.array([1, 2, 1, 2, 1])
    chosen = random_images_predicted_as(labels, predicted, 1, 1, k=2, seed=3)
    assert len(chosen) == 2 and set(chosen) <= {0, 2, 4}
    np.testing.assert_array_equal(chosen, random_images_predicted_as(labels, predicted, 1, 1, k=2, seed=3))


def test_sample_cases_takes_each_case_by_class_name_in_turn():
    labels = np.array([6, 6, 0, 0, 6, 0])
    predicted = np.array([6, 0, 0, 6, 6, 0])
    chosen = sample_cases(
        labels, predicted, [("Shirt", "Shirt"), ("Shirt", "T-shirt/top"), ("T-shirt/top", "Shirt")], k=5
    )
    assert sorted(chosen[:2]) == [0, 4] and list(chosen[2:]) == [1, 3]


def test_where_errors_go_rows_are_shares():
    table = where_errors_go(_confusion())
    assert list(table.index) == ["Shirt", "T-shirt/top", "Pullover", "Coat"]
    assert table.loc["Shirt", "Shirt"] == pytest.approx(100 / 127)
    assert table.loc["Shirt", "Coat"] == pytest.approx(15 / 127)
    assert "Bag" not in table.columns  # nothing goes there


def _two_corner_model():
    """Class 0 reads the top-left 10x10 corner, class 1 the bottom-right one."""
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(1, 1, kernel_initializer="ones", bias_initializer="zeros", activation="relu"),
            layers.Flatten(),
            layers.Dense(10, activation="softmax", kernel_initializer="zeros"),
        ]
    )
    kernel = np.zeros((784, 10), dtype=np.float32)
    corner = np.mgrid[0:10, 0:10].reshape(2, -1)
    kernel[np.ravel_multi_index(corner, (28, 28)), 0] = 1.0
    kernel[np.ravel_multi_index(corner + 18, (28, 28)), 1] = 1.0
    model.layers[-1].kernel.assign(kernel)
    return model


def test_hires_cam_finds_the_evidence():
    """A model whose class-0 score reads only the top-left corner must light up that corner."""
    model = _two_corner_model()
    images = np.zeros((2, 28, 28), dtype=np.uint8)
    images[:, :, :] = 50
    images[:, 0:10, 0:10] = 255  # the evidence
    maps = hires_cam(model, images, np.array([0, 0]))
    assert maps.shape == (2, 28, 28) and maps.min() >= 0 and maps.max() == pytest.approx(1)
    assert maps[:, :10, :10].mean() > 3 * maps[:, 14:, 14:].mean()


def test_hires_cam_on_the_baseline_shapes():
    maps = hires_cam(
        build_baseline_cnn(),
        np.random.default_rng(0).integers(0, 256, (3, 28, 28)).astype(np.uint8),
        np.array([0, 6, 9]),
    )
    assert maps.shape == (3, 28, 28) and np.all((maps >= 0) & (maps <= 1))


def test_hires_cam_needs_a_dense_head():
    model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(10, 28), layers.Flatten(), layers.Softmax()])
    with pytest.raises(ValueError, match="ending in a Dense layer, not Softmax"):
        hires_cam(model, np.zeros((1, 28, 28), dtype=np.uint8), np.array([0]))


def test_heat_maps_of_a_flattened_mixed_precision_head_are_not_empty():
    """Plain Grad-CAM averaged vgg_bn's evidence away and returned all-zero maps."""
    from fmnist.training.builders import build_vgg_bn

    model = build_in_precision(build_vgg_bn, "mixed_bfloat16")
    images = np.random.default_rng(1).integers(0, 256, (4, 28, 28)).astype(np.uint8)
    maps = hires_cam(model, images, model.predict(images[..., None] / 255, verbose=0).argmax(axis=1))
    assert (maps.max(axis=(1, 2)) == pytest.approx(1.0)) and (maps > 0.05).mean() > 0.05


def test_contrast_maps_show_only_what_separates_two_classes():
    model = _two_corner_model()
    images = np.full((2, 28, 28), 200, dtype=np.uint8)
    plain = hires_cam(model, images, np.array([0, 1]))
    contrast = hires_cam(model, images, np.array([0, 1]), versus=np.array([1, 0]))
    np.testing.assert_allclose(contrast, plain, atol=1e-6)  # each class's evidence lies where the other's does not
    assert contrast[0, :10, :10].min() > 0.5 and contrast[0, 18:, 18:].max() == 0
    same = hires_cam(model, images, np.array([0, 1]), versus=np.array([0, 1]))
    assert not same.any()  # a class against itself: no evidence anywhere


def test_mean_contrast_maps_pair_both_directions():
    from fmnist.analysis.error_analysis import mean_contrast_maps

    model = _two_corner_model()
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 28, 28)).astype(np.uint8)
    labels = np.tile(np.arange(10), 4)
    means, maps, titles = mean_contrast_maps(model, images, labels, labels, [("T-shirt/top", "Trouser")], per_class=3)
    assert means.shape == maps.shape == (2, 28, 28)
    assert titles == ["T-shirt/top\nrather than Trouser", "Trouser\nrather than T-shirt/top"]
    np.testing.assert_allclose(means[0], images[labels == 0][:3].mean(axis=0))
    assert maps[0, :10, :10].mean() > 0.5 and maps[0, 18:, 18:].max() == 0
    assert maps[1, 18:, 18:].mean() > 0.5 and maps[1, :10, :10].max() == 0
