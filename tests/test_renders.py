"""Photo renders: each condition does what it says, deterministically, and the photo steps undo it."""

import numpy as np
import pytest
from PIL import Image

from fmnist.analysis import renders
from fmnist.analysis.renders import HELD_OUT, TUNING, Condition, render_photo
from fmnist.inference.photos import load_photo, prepare_photo


def _item():
    """A Fashion-MNIST-like image: a filled, light rectangle on black."""
    image = np.zeros((28, 28), np.uint8)
    image[4:24, 7:21] = 220
    return image


def _grey(condition, seed=3, image=None):
    return np.asarray(render_photo(_item() if image is None else image, seed, condition).convert("L"), float)


def test_the_same_seed_renders_the_same_photo_and_another_seed_another():
    condition = TUNING["all at once"]
    assert np.array_equal(_grey(condition, 1), _grey(condition, 1))
    assert not np.array_equal(_grey(condition, 1), _grey(condition, 2))


def test_tuning_and_held_out_conditions_are_the_same_families_with_other_settings():
    assert list(TUNING) == list(HELD_OUT)
    assert all(TUNING[name] != HELD_OUT[name] for name in TUNING if name != "plain")


def _corners(gray):
    return [gray[:8, :8].mean(), gray[:8, -8:].mean(), gray[-8:, :8].mean(), gray[-8:, -8:].mean()]


def test_a_lighting_gradient_darkens_one_side_and_vignetting_the_corners():
    plain = _corners(_grey(Condition()))
    assert np.ptp(plain) < 1
    gradient = _corners(_grey(Condition(gradient=0.2)))
    assert np.ptp(gradient) > 0.15 * max(gradient)
    vignetted = _grey(Condition(vignette=0.3))
    assert max(_corners(vignetted)) < 0.75 * vignetted[95:105, :5].mean() + 0.25 * vignetted[:5, 120:130].mean()


def test_noise_texture_and_a_shadow_change_the_background_as_asked():
    plain = _grey(Condition())
    assert plain[:20, :20].std() < 1
    assert 3.5 < _grey(Condition(noise=7.0))[:20, :20].std() < 7  # grey averages the channels' noise
    assert _grey(Condition(texture=8.0))[:20, :20].std() > 2
    shadowed, flat = _grey(Condition(shadow=0.4)), plain
    assert (shadowed < flat - 20).sum() > 200  # a band beside the item, darker than the background
    assert np.allclose(shadowed[:5, :5], flat[:5, :5], atol=1)  # and none far from it


def test_dark_and_coloured_backgrounds_and_low_jpeg_quality(tmp_path):
    dark = np.asarray(render_photo(_item(), 3, Condition(background="dark")))
    assert dark[:5, :5].mean() < 50 and dark.max() > 120  # a light item on a dark background
    coloured = np.asarray(render_photo(_item(), 3, Condition(background="coloured")))[:5, :5].reshape(-1, 3).mean(0)
    assert np.ptp(coloured) > 5
    images, labels = np.stack([_item()] * 2), np.array([0, 0])
    [high] = renders.write_photos(images, labels, [0], tmp_path / "high", Condition(jpeg_quality=90))
    [low] = renders.write_photos(images, labels, [0], tmp_path / "low", Condition(jpeg_quality=15))
    assert low.stat().st_size < 0.7 * high.stat().st_size


def test_an_item_near_an_edge_is_within_a_few_pixels_of_one_side():
    for seed in range(6):
        gray = _grey(Condition(near_edge=True), seed, image=np.full((28, 28), 220, np.uint8))
        rows, cols = np.flatnonzero((gray < 200).any(axis=1)), np.flatnonzero((gray < 200).any(axis=0))
        gaps = [rows[0], gray.shape[0] - 1 - rows[-1], cols[0], gray.shape[1] - 1 - cols[-1]]
        assert min(gaps) <= 6, seed


@pytest.mark.parametrize("name", list(HELD_OUT))
def test_the_photo_steps_give_back_the_dataset_image_under_every_condition(tmp_path, real_splits, name):
    """On a small set of real images, what the model sees after the trip through a photo is close to
    the image itself: the same item, at the same place, in the same shades."""
    _, (images, labels) = real_splits
    paths = renders.write_photos(images, labels, range(12), tmp_path, HELD_OUT[name])
    correlations = [
        np.corrcoef(load_photo(path).ravel().astype(float), images[i].ravel().astype(float))[0, 1]
        for i, path in enumerate(paths)
    ]  # a little rotated in the photo, so never 1
    assert np.mean(correlations) > 0.55 and min(correlations) > 0.3, np.round(correlations, 2)


def test_samples_are_named_after_class_index_and_condition_and_are_current_once_written(tmp_path, splits, monkeypatch):
    (images, labels), _ = splits
    monkeypatch.setattr(renders, "SAMPLES", {0: "plain", 6: "soft shadow"})
    (tmp_path / "old-1.jpg").write_bytes(b"a sample no longer listed")
    assert not renders.samples_are_current(images, labels, tmp_path)
    paths = renders.write_samples(images, labels, tmp_path)
    assert [p.name for p in paths] == ["shirt-6-soft-shadow.jpg", "t-shirt-top-0-plain.jpg"]
    assert sorted(tmp_path.iterdir()) == paths and renders.samples_are_current(images, labels, tmp_path)
    assert prepare_photo(paths[0]).image.shape == (28, 28) and Image.open(paths[0]).format == "JPEG"
