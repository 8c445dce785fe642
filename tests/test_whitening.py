"""The whitening start: its filters decorrelate real image patches, and it sets only what it promises."""

from dataclasses import replace

import keras
import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from fmnist.training.builders import build_vgg_bn
from fmnist.training.recipes import DEFAULT_MODEL, get_recipe
from fmnist.training.train import compiled_model, recipe_dataset
from fmnist.training.whitening import EPSILON, patch_whitening_filters, start_from_whitening


def patches_of(images):
    """Every zero-padded 3x3 patch of ``images``, scaled to [0, 1], one per row (written independently)."""
    padded = np.pad(images.astype("float64") / 255, ((0, 0), (1, 1), (1, 1)))
    return sliding_window_view(padded, (3, 3), axis=(1, 2)).reshape(-1, 9)


def test_filters_turn_real_patches_into_uncorrelated_features(real_splits):
    images = real_splits[0][0][:2000]
    filters = patch_whitening_filters(images)
    assert filters.shape == (3, 3, 1, 18)
    np.testing.assert_array_equal(filters[..., 9:], -filters[..., :9])  # each filter and its negative

    patches = patches_of(images)
    features = patches @ filters[..., :9].reshape(9, 9)  # what the convolution computes at each pixel
    moments = features.T @ features / len(features)
    variances = np.linalg.eigvalsh(patches.T @ patches / len(patches))
    np.testing.assert_allclose(moments - np.diag(np.diag(moments)), 0, atol=1e-3)  # uncorrelated
    np.testing.assert_allclose(np.sort(np.diag(moments)), np.sort(variances / (variances + EPSILON)), rtol=1e-3)
    assert np.diag(moments).max() > 0.99  # the strong directions come out with unit variance


def test_start_sets_the_first_18_filters_and_keeps_the_rest(real_splits):
    images = real_splits[0][0][:2000]
    keras.utils.set_random_seed(0)
    model = build_vgg_bn(widths=(24, 48, 96), convs_per_stage=1)
    first, second = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)][:2]
    before = [first.kernel.numpy().copy(), second.kernel.numpy().copy()]

    start_from_whitening(model, images)
    kernel = first.kernel.numpy()
    np.testing.assert_array_equal(kernel[..., 18:], before[0][..., 18:])
    np.testing.assert_array_equal(second.kernel.numpy(), before[1])
    filters = patch_whitening_filters(images)
    scale = kernel[..., :18] / filters
    np.testing.assert_allclose(scale, scale.flat[0], rtol=1e-4)  # the whitening filters, all scaled alike
    assert np.abs(kernel[..., :18]).mean() == pytest.approx(np.abs(before[0]).mean(), rel=1e-4)


def test_default_recipe_starts_from_whitening(real_splits):
    images = real_splits[0][0][:2000]
    recipe = get_recipe(DEFAULT_MODEL)
    assert recipe.whitening_start
    keras.utils.set_random_seed(0)
    kernel = next(
        layer for layer in compiled_model(recipe, images, 1).layers if isinstance(layer, keras.layers.Conv2D)
    ).kernel
    filters = patch_whitening_filters(images)
    np.testing.assert_allclose(
        kernel.numpy()[..., :18] / filters, (kernel.numpy()[..., :18] / filters).flat[0], rtol=1e-4
    )


def test_a_model_without_room_for_the_filters_is_refused(real_splits):
    with pytest.raises(ValueError, match=r"vgg_bn: .*at least 18 filters.*\(3, 3, 1, 8\)"):
        start_from_whitening(build_vgg_bn(widths=(8, 16)), real_splits[0][0][:100])


def test_images_must_be_uint8_as_the_readers_return_them():
    with pytest.raises(ValueError, match="uint8 images"):
        patch_whitening_filters(np.zeros((4, 28, 28, 1), dtype=np.float32))


@pytest.mark.parametrize("frozen", [True, False])
def test_a_frozen_whitening_layer_keeps_its_filters_while_the_rest_trains(real_splits, frozen):
    (images, labels), _ = real_splits
    recipe = replace(get_recipe(DEFAULT_MODEL), freeze_whitening=frozen)
    keras.utils.set_random_seed(0)
    model = compiled_model(recipe, images[:512], 1)
    first, *_, last = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    before = first.kernel.numpy().copy(), last.kernel.numpy().copy()

    model.fit(recipe_dataset(recipe, images[:512], labels[:512], training=True, seed=0), epochs=1, verbose=0)
    assert np.array_equal(first.kernel.numpy(), before[0]) == frozen
    assert not np.array_equal(last.kernel.numpy(), before[1])


def test_the_default_keeps_its_whitening_layer_frozen_and_the_long_recipe_trains_it():
    assert get_recipe(DEFAULT_MODEL).freeze_whitening
    assert not get_recipe("fast_cnn_long").freeze_whitening
