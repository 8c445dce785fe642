"""Photos to Fashion-MNIST images: every step, every file type and mode, and files that cannot be used."""

import numpy as np
import pytest
from PIL import Image

from fmnist import photos
from fmnist.photos import PhotoError, load_photo, photo_steps


def _item(height=60, width=40):
    """A dark garment-like blob on white, as a product photo shows one."""
    gray = np.full((height, width), 245, np.uint8)
    gray[10:-10, 8:-8] = 60
    return gray


def _photo(path, gray, mode="RGB", **save):
    image = Image.fromarray(gray).convert(mode)
    image.save(path, **save)
    return path


def test_an_image_in_the_datasets_form_passes_through_unchanged(tmp_path, splits):
    (images, _), _ = splits
    path = _photo(tmp_path / "item.png", images[0], mode="L")
    np.testing.assert_array_equal(load_photo(path), images[0])


@pytest.mark.parametrize("suffix, mode", [(".jpg", "RGB"), (".png", "RGBA"), (".webp", "RGB"), (".bmp", "L"), (".gif", "P")])
def test_every_file_type_becomes_a_light_item_on_black(tmp_path, suffix, mode):
    canvas = np.full((300, 400), 245, np.uint8)
    canvas[40:160, 250:330] = _item(120, 80)  # off centre
    result = load_photo(_photo(tmp_path / f"photo{suffix}", canvas, mode=mode))
    assert result.shape == (28, 28) and result.dtype == np.uint8
    assert result[:, 0].max() < 30 and result[:, -1].max() < 30  # dark beside the item, which is taller than wide
    assert result[14, 14] > 150  # the item, light, in the middle
    rows = np.flatnonzero(result.max(axis=1) > 30)
    assert rows.max() - rows.min() >= 26  # the longest edge fills the canvas


def test_the_steps_in_order(tmp_path):
    steps = photo_steps(_photo(tmp_path / "photo.png", _item()))
    assert list(steps) == ["grayscale", "light on dark", "background black", "trimmed", "resized", "sharpened", "centred"]
    assert steps["trimmed"].shape == (40, 24) and steps["resized"].shape == (28, 17)


def test_a_grey_background_becomes_black(tmp_path):
    gray = np.full((60, 40), 225, np.uint8)  # a photo's off-white background
    gray[10:-10, 8:-8] = 90
    steps = photo_steps(_photo(tmp_path / "grey.jpg", gray, quality=95))
    assert steps["light on dark"][0, 0] >= 25 and steps["background black"][0, 0] <= 5
    assert steps["background black"][30, 20] >= 240


def test_transparency_is_laid_over_white(tmp_path):
    rgba = np.zeros((50, 50, 4), np.uint8)
    rgba[10:40, 15:35] = (200, 30, 30, 255)  # a red item; the rest fully transparent (black underneath)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "cut-out.png")
    result = load_photo(tmp_path / "cut-out.png")
    assert result[0, 0] == 0 and result[14, 14] > 100


def test_exif_orientation_is_applied(tmp_path):
    image = Image.fromarray(_item(60, 40)).convert("RGB")
    exif = image.getexif()
    exif[0x0112] = 6  # stored sideways: rotate 90 degrees to show it upright
    image.save(tmp_path / "sideways.jpg", exif=exif)
    assert photo_steps(tmp_path / "sideways.jpg")["grayscale"].shape == (40, 60)


def test_an_animated_gif_gives_its_first_frame(tmp_path):
    first, second = Image.fromarray(_item()), Image.fromarray(np.full((60, 40), 245, np.uint8))
    first.save(tmp_path / "anim.gif", save_all=True, append_images=[second])
    assert photo_steps(tmp_path / "anim.gif")["trimmed"].shape == (40, 24)


@pytest.mark.parametrize("content, message", [(b"", "empty file"), (b"not an image", "not an image this can read")])
def test_unusable_files_are_named(tmp_path, content, message):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    with pytest.raises(PhotoError, match=f"{path}: {message}"):
        load_photo(path)


def test_a_truncated_image_is_named(tmp_path):
    path = _photo(tmp_path / "cut.png", np.random.default_rng(0).integers(0, 255, (200, 200), dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(PhotoError, match=f"{path}: truncated or corrupt image"):
        load_photo(path)


def test_too_many_pixels_are_refused_before_decoding(tmp_path, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 1000)
    path = _photo(tmp_path / "big.png", _item())
    with pytest.raises(PhotoError, match=r"big.png: 40x60 pixels, more than the 1,000 this reads"):
        load_photo(path)


def test_sample_photos_are_named_after_class_and_index_and_read_back(tmp_path, splits):
    (images, labels), _ = splits
    paths = photos.write_sample_photos(images, labels, [0, 6], tmp_path)
    assert [p.name for p in paths] == ["t-shirt-top-0.jpg", "shirt-6.jpg"]
    assert load_photo(paths[1]).shape == (28, 28)
