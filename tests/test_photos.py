"""Photos to Fashion-MNIST images: every step, every file type and mode, and files that cannot be used."""

import numpy as np
import pytest
from PIL import Image

from fmnist.inference import photos
from fmnist.inference.photos import PhotoError, load_photo, photo_steps


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


@pytest.mark.parametrize(
    "suffix, mode", [(".jpg", "RGB"), (".png", "RGBA"), (".webp", "RGB"), (".bmp", "L"), (".gif", "P")]
)
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
    assert list(steps) == ["photo", "background", "item found", "trimmed", "resized", "sharpened", "centred"]
    assert steps["trimmed"].shape == (40, 24) and steps["resized"].shape == (28, 17)
    assert steps["item found"][10:-10, 8:-8].all() and not steps["item found"][:10].any()


def test_a_grey_background_becomes_black_and_the_item_reaches_255(tmp_path):
    gray = np.full((60, 40), 225, np.uint8)  # a photo's off-white background
    gray[10:-10, 8:-8] = 90
    prepared = photos.prepare_photo(_photo(tmp_path / "grey.jpg", gray, quality=95))
    assert abs(int(prepared.steps["background"][0, 0]) - 225) <= 3
    assert prepared.image[:, :5].max() == 0 and prepared.image.max() == 255 and prepared.image[14, 14] >= 230


def _scene(light=None, noise=0.0, background=235, item=60, seed=0):
    """A 300x400 photo with a 120x80 item at (250, 40), lit by ``light`` (a share per pixel), with noise."""
    frame = np.full((300, 400), float(background))
    frame[40:160, 250:330] = item
    if light is not None:
        frame = frame * light
    frame = frame + np.random.default_rng(seed).normal(0, noise, frame.shape)
    return np.uint8(frame.clip(0, 255).round())


_Y, _X = np.mgrid[0:300, 0:400] / np.array([[[299]], [[399]]])


@pytest.mark.parametrize(
    "what, light, noise",
    [
        ("a lighting gradient", 1 - 0.2 * _X, 0.0),
        ("vignetting", 1 - 0.35 * ((_X - 0.5) ** 2 + (_Y - 0.5) ** 2) / 0.5, 0.0),
        ("sensor noise", None, 8.0),
        ("all of them", (1 - 0.15 * _Y) * (1 - 0.2 * ((_X - 0.5) ** 2 + (_Y - 0.5) ** 2) / 0.5), 5.0),
    ],
)
def test_the_item_is_found_under_uneven_light_and_noise(tmp_path, what, light, noise):
    prepared = photos.prepare_photo(_photo(tmp_path / "scene.png", _scene(light, noise)))
    left, top, width, height = prepared.box
    assert abs(left - 250) <= 4 and abs(top - 40) <= 4 and abs(width - 80) <= 8 and abs(height - 120) <= 8, what
    assert prepared.image[:, :3].max() <= 10 and prepared.image[14, 14] > 150 and prepared.warning is None


def test_a_light_item_on_a_dark_background_becomes_light_on_black(tmp_path):
    prepared = photos.prepare_photo(_photo(tmp_path / "dark.png", _scene(background=25, item=200, noise=3.0)))
    assert prepared.image[14, 14] > 200 and prepared.image[:, :3].max() <= 10
    assert prepared.box[0] == pytest.approx(250, abs=4)


def test_the_box_is_in_the_photos_own_pixels_when_it_is_reduced_to_be_searched(tmp_path):
    big = np.asarray(Image.fromarray(_scene()).resize((1600, 1200), Image.Resampling.NEAREST))
    left, top, width, height = photos.prepare_photo(_photo(tmp_path / "big.png", big)).box
    assert abs(left - 1000) <= 12 and abs(top - 160) <= 12 and abs(width - 320) <= 16 and abs(height - 480) <= 16


def test_an_item_in_a_sliver_of_the_frame_gets_a_warning_and_a_blank_photo_an_error(tmp_path):
    frame = np.full((800, 1000), 235, np.uint8)
    frame[400:450, 500:530] = 60
    assert "fills only 0.2% of the photo" in photos.prepare_photo(_photo(tmp_path / "far.png", frame)).warning
    blank = _photo(tmp_path / "blank.png", _scene(noise=4.0)[:, :200])
    with pytest.raises(PhotoError, match=f"{blank}: no item stands out from the background"):
        load_photo(blank)


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
    assert photo_steps(tmp_path / "sideways.jpg")["photo"].shape == (40, 60)


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
