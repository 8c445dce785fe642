"""What each corruption of fmnist.analysis.corruptions does to an image, and what all of them share."""

import io

import numpy as np
import pytest
from PIL import Image

from fmnist.analysis.corruptions import CORRUPTIONS, HELD_OUT_FAMILIES, corrupt, families
from fmnist.errors import UsageError


def _item(n: int = 8) -> np.ndarray:
    """A mid-grey rectangle (an 'item') on a black background, rows 5-21 and columns 9-18."""
    images = np.zeros((n, 28, 28), np.uint8)
    images[:, 5:22, 9:19] = 150
    return images


def _grey(n: int = 8, value: int = 128) -> np.ndarray:
    return np.full((n, 28, 28), value, np.uint8)


def _levels(name: str) -> range:
    return range(1, len(CORRUPTIONS[name].levels) + 1)


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_every_corruption_keeps_shape_and_dtype_and_repeats_with_its_seed(name):
    images = _item()
    for severity in _levels(name):
        corrupted = corrupt(images, name, severity, seed=3)
        assert corrupted.dtype == np.uint8 and corrupted.shape == images.shape
        np.testing.assert_array_equal(corrupted, corrupt(images, name, severity, seed=3))
        assert not np.array_equal(corrupted, images), f"{name} at {severity} left the images as they were"


# Canny edges: its severity is the smoothing, which removes edges rather than moving pixels (tested below).
@pytest.mark.parametrize("name", [n for n, c in CORRUPTIONS.items() if len(c.levels) == 5 and n != "Canny edges"])
def test_a_higher_severity_moves_the_images_further(name):
    rows, cols = np.mgrid[:28, :28]  # a shaded oval: no edge for pixel blocks or stripes to line up with
    oval = np.clip(230 - 18 * np.hypot((rows - 13.3) / 1.3, cols - 12.6), 0, 255).astype(np.uint8)
    images = np.repeat(oval[None], 64, axis=0)
    distances = [np.abs(corrupt(images, name, s).astype(int) - images).mean() for s in _levels(name)]
    assert np.all(np.diff(distances) > 0), distances


def test_the_families_of_the_papers_are_there_and_some_are_held_out():
    assert set(families()) == {
        "noise",
        "blur",
        "geometry",
        "photometric",
        "compression",
        "overlay",
        "edges",
        "orientation",
    }
    assert {"shot noise", "impulse noise", "glass blur", "motion blur", "shear", "scale", "rotation"} <= set(
        CORRUPTIONS
    )
    assert {"brightness", "contrast", "saturate", "inverse", "translation", "stripe", "fog", "spatter"} <= set(
        CORRUPTIONS
    )
    assert {"dotted line", "zigzag", "Canny edges", "upside down", "turned", "JPEG", "pixelate"} <= set(CORRUPTIONS)
    assert set(HELD_OUT_FAMILIES) < set(families())


def test_gaussian_noise_adds_noise_of_its_level():
    noisy = corrupt(_grey(50), "Gaussian noise", 1).astype(float)
    assert noisy.mean() == pytest.approx(128, abs=1)
    assert noisy.std() == pytest.approx(0.08 * 255, rel=0.05)


def test_shot_noise_keeps_the_mean_and_grows_stronger_with_fewer_photons():
    mild, strong = (corrupt(_grey(50, 40), "shot noise", s).astype(float) for s in (1, 5))
    assert mild.mean() == pytest.approx(40, abs=2) and strong.mean() == pytest.approx(40, abs=3)
    assert strong.std() > 3 * mild.std()


def test_impulse_noise_sets_its_share_of_pixels_to_black_or_white():
    noisy = corrupt(_grey(50), "impulse noise", 4)
    changed = noisy != 128
    assert set(np.unique(noisy[changed])) == {0, 255}
    assert changed.mean() == pytest.approx(0.17, abs=0.01)


def test_speckle_noise_leaves_black_black():
    noisy = corrupt(_item(), "speckle noise", 5)
    assert (noisy[:, :5] == 0).all() and noisy[:, 6:22, 9:19].std() > 20


@pytest.mark.parametrize("name", ["Gaussian blur", "defocus blur", "glass blur", "motion blur"])
def test_blurs_soften_edges_and_keep_the_ink(name):
    images = _item()
    blurred = corrupt(images, name, 3).astype(float)
    assert blurred.sum() == pytest.approx(images.astype(float).sum(), rel=0.08)
    sharp_step = np.abs(np.diff(images.astype(float), axis=2)).max()
    assert np.abs(np.diff(blurred, axis=2)).max() < 0.8 * sharp_step


def test_rotation_turns_a_bar_by_its_angle_either_way():
    bar = np.zeros((20, 28, 28), np.uint8)
    bar[:, 4:24, 13:15] = 255
    for image in corrupt(bar, "rotation", 3, seed=1).astype(float):  # 30 degrees
        rows, cols = np.nonzero(image > 60)
        angle = np.degrees(np.arctan2(np.polyfit(rows, cols, 1)[0], 1))
        assert abs(abs(angle) - 30) < 4


def test_shear_slants_vertical_edges_and_keeps_rows():
    sheared = corrupt(_item(), "shear", 5).astype(float)
    top, bottom = sheared[:, 7], sheared[:, 20]
    centre = lambda rows: (rows * np.arange(28)).sum(axis=1) / rows.sum(axis=1)  # noqa: E731
    assert (np.abs(centre(top) - centre(bottom)) > 4).all()


def test_scale_shrinks_the_item_about_the_centre():
    images = _item()
    shrunk = corrupt(images, "scale", 5)  # to half its size
    assert shrunk.sum() / images.sum() == pytest.approx(0.25, abs=0.03)  # the ink, a quarter of the area


def test_translation_moves_the_item_by_its_distance():
    images = _item()
    moved = corrupt(images, "translation", 5, seed=2).astype(float)  # 6 pixels
    rows, cols = np.mgrid[:28, :28]

    def centre(image):
        return np.array([(rows * image).sum(), (cols * image).sum()]) / image.sum()

    for before, after in zip(images.astype(float), moved):
        assert np.linalg.norm(centre(after) - centre(before)) == pytest.approx(6, abs=1.6)  # cut off at the border


def test_brightness_lifts_every_pixel():
    assert (corrupt(_item(), "brightness", 2)[:, 0, 0] == round(0.2 * 255)).all()


def test_contrast_scales_the_spread_about_the_mean():
    images = _item()
    flat = corrupt(images, "contrast", 3).astype(float)  # factor 0.3
    assert flat.mean() == pytest.approx(images.mean(), abs=0.5)
    assert flat.std() == pytest.approx(0.3 * images.std(), rel=0.02)


def test_saturate_burns_the_light_parts_out():
    burnt = corrupt(_item(), "saturate", 2)  # 150 x 2
    assert (burnt[:, 10, 12] == 255).all() and (burnt[:, 0, 0] == 0).all()


def test_inverse_at_its_strongest_is_the_negative_image():
    images = _item()
    np.testing.assert_array_equal(corrupt(images, "inverse", 5), 255 - images)


def test_jpeg_is_a_round_trip_through_pillow_at_its_quality():
    images = _item(2)
    buffer = io.BytesIO()
    Image.fromarray(images[0]).save(buffer, format="JPEG", quality=25)
    np.testing.assert_array_equal(corrupt(images, "JPEG", 1)[0], np.asarray(Image.open(buffer)))


def test_pixelate_leaves_blocks_of_one_value():
    gradient = np.tile(np.arange(0, 252, 9, dtype=np.uint8), (2, 28, 1))
    blocky = corrupt(gradient, "pixelate", 5)  # 8 x 8 blocks
    assert len(np.unique(blocky[0, 0])) <= 8


def test_stripe_draws_one_white_band_across():
    striped = corrupt(np.zeros((20, 28, 28), np.uint8), "stripe", 5)
    for image in striped:
        full_rows, full_cols = (image == 255).all(axis=1), (image == 255).all(axis=0)
        assert full_rows.sum() + full_cols.sum() >= 4


@pytest.mark.parametrize("name", ["dotted line", "zigzag"])
def test_lines_are_drawn_in_white_over_the_image(name):
    images = _item()
    marked = corrupt(images, name, 3)
    assert (marked >= images).all() and ((marked > images) & (marked > 200)).any()


def test_spatter_stains_its_share_of_the_image_mid_grey():
    stained = corrupt(np.zeros((20, 28, 28), np.uint8), "spatter", 5)
    assert (stained == 128).mean() == pytest.approx(0.2, abs=0.01)


def test_fog_lifts_the_background_and_never_darkens():
    images = _item()
    foggy = corrupt(images, "fog", 3)
    assert (foggy >= images).all() and foggy[:, :6].mean() > 40


def test_canny_edges_leave_only_the_outline():
    edges = corrupt(_item(), "Canny edges", 1)
    assert set(np.unique(edges)) == {0, 255}
    assert edges[:, 12:16, 12:16].max() == 0  # the inside is gone
    assert edges[:, 4:7, 9:19].max() == 255 or edges[:, 5:22, 8:10].max() == 255  # an edge remains
    noisy = np.random.default_rng(1).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    assert (corrupt(noisy, "Canny edges", 5) > 0).sum() < (corrupt(noisy, "Canny edges", 1) > 0).sum()


def test_upside_down_and_turned_are_exact():
    images = np.random.default_rng(0).integers(0, 256, (4, 28, 28), dtype=np.uint8)
    np.testing.assert_array_equal(corrupt(images, "upside down", 1), images[:, ::-1])
    np.testing.assert_array_equal(corrupt(images, "turned", 1), np.rot90(images, -1, axes=(1, 2)))


def test_bad_requests_say_what_is_wrong():
    with pytest.raises(UsageError, match="unknown corruption 'rain'"):
        corrupt(_item(), "rain", 1)
    with pytest.raises(UsageError, match="upside down has severities 1 to 1, not 3"):
        corrupt(_item(), "upside down", 3)
    with pytest.raises(UsageError, match="takes uint8 images"):
        corrupt(_item().astype(float), "fog", 1)
