"""Exploration statistics on small arrays whose answers are known."""

import numpy as np
import pytest

from fmnist.analysis.explore import class_counts, embed_2d, mean_image_distances, mean_images, pixel_stats
from fmnist.config import CLASS_NAMES


@pytest.fixture
def flat_classes():
    """Two images per class; every pixel of class c has the value 10 * c (c = 0 gives blank images)."""
    labels = np.repeat(np.arange(10, dtype=np.uint8), 2)
    images = np.repeat((labels * 10).astype(np.uint8)[:, None, None], 28, axis=1).repeat(28, axis=2)
    return images, labels


def test_class_counts_per_split():
    table = class_counts(train=np.array([0, 0, 9], dtype=np.uint8), test=np.array([3], dtype=np.uint8))
    assert list(table.index) == list(CLASS_NAMES)
    assert table.loc["T-shirt/top", "train"] == 2 and table.loc["Ankle boot", "train"] == 1
    assert table["test"].sum() == 1 and table.loc["Dress", "test"] == 1


def test_mean_images(flat_classes):
    means = mean_images(*flat_classes)
    assert means.shape == (10, 28, 28)
    np.testing.assert_allclose(means[:, 0, 0], np.arange(10) * 10)


def test_pixel_stats(flat_classes):
    stats = pixel_stats(*flat_classes)
    assert stats.loc["T-shirt/top", "ink share"] == 0 and stats.loc["Trouser", "ink share"] == 1
    assert stats.loc["Bag", "mean"] == pytest.approx(80)
    assert stats.loc["Bag", "mean ink per image"] == pytest.approx(784 * 80 / 255)


def test_mean_image_distances(flat_classes):
    table = mean_image_distances(*flat_classes)
    assert np.allclose(np.diag(table), 0) and np.allclose(table, table.T)
    assert table.loc["T-shirt/top", "Trouser"] == pytest.approx(28 * 10 / 255)


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_embed_2d_shape_and_separation(method):
    rng = np.random.default_rng(0)
    dark = rng.integers(0, 30, size=(20, 28, 28)).astype(np.uint8)
    light = rng.integers(200, 256, size=(20, 28, 28)).astype(np.uint8)
    coords = embed_2d(np.concatenate([dark, light]), method=method)
    assert coords.shape == (40, 2)
    # the two groups end up apart: every within-group distance is below the gap between centres
    gap = np.linalg.norm(coords[:20].mean(axis=0) - coords[20:].mean(axis=0))
    assert gap > max(np.ptp(coords[:20], axis=0).max(), np.ptp(coords[20:], axis=0).max()) / 2
