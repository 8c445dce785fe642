"""Turn a photo into a Fashion-MNIST image, the way the dataset itself was made.

Xiao, Rasul and Vollgraf (2017, section 2) made each image from a product photo on a light
background: trim the background, resize the longest edge to 28 pixels, sharpen, centre on a 28x28
canvas, negate (the item light on dark) and keep 8-bit grayscale. :func:`photo_steps` does the same,
one function per step, for photos of any size and mode; it decides from the border whether the
background is light and inverts only then, and takes the background to black (a photo's background is
rarely pure white; the dataset's is pure black). An image already in the dataset's form passes through
unchanged. Pillow decodes; images above :data:`MAX_PIXELS` are refused before they are decoded.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from fmnist.config import ASSETS_DIR, CLASS_NAMES, IMAGE_SHAPE

#: Photo-like renders of test images, kept in the repository for 06_predict (:func:`write_sample_photos`).
SAMPLES_DIR = ASSETS_DIR / "photos"
#: The largest image decoded, in pixels (a 50-megapixel photo); larger ones may be decompression bombs.
MAX_PIXELS = 50_000_000
#: The file types read (GIF: its first frame).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")
#: How far from the background a pixel must be to belong to the item: 5% of the intensity range, as in the paper.
TRIM_TOLERANCE = 0.05 * 255


class PhotoError(ValueError):
    """A file that cannot be used as a photo; the message names it and says why."""


def read_grayscale(path: Path) -> np.ndarray:
    """The photo in ``path`` as 8-bit grayscale (h, w): EXIF orientation applied, first frame of an
    animation, transparency laid over white."""
    path = Path(path)
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise PhotoError(
                    f"{path}: {image.width}x{image.height} pixels, more than the {MAX_PIXELS:,} this reads"
                )
            image.seek(0)
            image = ImageOps.exif_transpose(image)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                image = image.convert("RGBA")
                image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
            return np.asarray(image.convert("L"), dtype=np.uint8)
    except PhotoError:
        raise
    except FileNotFoundError:
        raise PhotoError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise PhotoError(f"{path}: a folder, not an image") from None
    except (UnidentifiedImageError, Image.DecompressionBombError) as err:
        what = "empty file" if path.stat().st_size == 0 else "not an image this can read (PNG, JPEG, WebP, BMP or GIF)"
        raise PhotoError(f"{path}: {what}") from err
    except (OSError, SyntaxError, ValueError) as err:  # Pillow's ways of saying truncated or corrupt
        raise PhotoError(f"{path}: truncated or corrupt image ({err})") from err


def background_is_light(gray: np.ndarray) -> bool:
    """Whether the photo's background, judged by the median of its outermost pixels, is light."""
    return bool(np.median(_border(gray)) > 127)


def light_on_dark(gray: np.ndarray) -> np.ndarray:
    """The photo with the item light on a dark background: negated if its background is light."""
    return 255 - gray if background_is_light(gray) else gray


def background_to_black(gray: np.ndarray) -> np.ndarray:
    """The photo with its background level taken to black and the item stretched over the full range."""
    background = np.median(_border(gray))
    top = max(np.percentile(gray, 99.5), background + 1)
    return np.uint8(np.clip((gray.astype(float) - background) * 255 / (top - background), 0, 255).round())


def trim(gray: np.ndarray) -> np.ndarray:
    """The photo cropped to the item: the box around every pixel that differs from the (dark) background."""
    background = np.median(_border(gray))
    rows, cols = np.nonzero(np.abs(gray.astype(float) - background) > TRIM_TOLERANCE)
    if rows.size == 0:
        return gray
    return gray[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def resize_longest_edge(gray: np.ndarray, size: int = IMAGE_SHAPE[0]) -> np.ndarray:
    """The photo scaled so its longest edge is ``size`` pixels (Lanczos), keeping its proportions."""
    height, width = gray.shape
    scale = size / max(height, width)
    shape = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.asarray(Image.fromarray(gray).resize(shape, Image.Resampling.LANCZOS))


def sharpen(gray: np.ndarray) -> np.ndarray:
    """The photo sharpened by an unsharp mask of radius 1, strongest near outlines."""
    return np.asarray(Image.fromarray(gray).filter(ImageFilter.UnsharpMask(radius=1.0, percent=100, threshold=0)))


def centre(gray: np.ndarray, shape: tuple[int, int] = IMAGE_SHAPE) -> np.ndarray:
    """The photo in the middle of a black canvas of ``shape``."""
    canvas = np.zeros(shape, dtype=np.uint8)
    top, left = (shape[0] - gray.shape[0]) // 2, (shape[1] - gray.shape[1]) // 2
    canvas[top : top + gray.shape[0], left : left + gray.shape[1]] = gray
    return canvas


def _border(gray: np.ndarray) -> np.ndarray:
    return np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])


def photo_steps(path: Path) -> dict[str, np.ndarray]:
    """Every step from the file to a Fashion-MNIST image, in order; the last one is the result."""
    steps = {"grayscale": read_grayscale(path)}
    if steps["grayscale"].shape == IMAGE_SHAPE and not background_is_light(steps["grayscale"]):
        return steps  # already in the dataset's form
    steps["light on dark"] = light_on_dark(steps["grayscale"])
    steps["background black"] = background_to_black(steps["light on dark"])
    steps["trimmed"] = trim(steps["background black"])
    steps["resized"] = resize_longest_edge(steps["trimmed"])
    steps["sharpened"] = sharpen(steps["resized"])
    steps["centred"] = centre(steps["sharpened"])
    return steps


def load_photo(path: Path) -> np.ndarray:
    """The photo in ``path`` as a Fashion-MNIST image: uint8, (28, 28), the item light on dark."""
    return list(photo_steps(path).values())[-1]


def render_photo(image: np.ndarray, seed: int, size: int = 200) -> Image.Image:
    """A Fashion-MNIST image rendered the way product photos look: the garment tinted and shaded, on a
    plain light background, off centre and a little rotated. For samples and robustness checks."""
    rng = np.random.default_rng(seed)
    side = int(size * rng.uniform(0.6, 0.85))
    ink = np.asarray(Image.fromarray(image).resize((side, side), Image.Resampling.BICUBIC), dtype=float)[..., None] / 255
    background = rng.uniform(215, 250)
    colour = rng.uniform(40, 200, size=3) * (0.55 + 0.45 * ink)  # darker where the garment has less ink
    item = Image.fromarray(np.uint8(background * (1 - ink) + colour * ink))
    item = item.rotate(rng.uniform(-8, 8), resample=Image.Resampling.BICUBIC, fillcolor=(int(background),) * 3)
    canvas = Image.new("RGB", (int(size * 1.25), size), (int(background),) * 3)
    canvas.paste(item, (int(rng.integers(0, canvas.width - side)), int(rng.integers(0, canvas.height - side))))
    return canvas


def write_sample_photos(images: np.ndarray, labels: np.ndarray, indices: list[int], directory: Path = SAMPLES_DIR) -> list[Path]:
    """Render the test images at ``indices`` as JPEG photos named after their class and index."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in indices:
        name = CLASS_NAMES[labels[i]].lower().replace("/", "-").replace(" ", "-")
        paths.append(directory / f"{name}-{i}.jpg")
        render_photo(images[i], seed=int(i)).save(paths[-1], quality=85)
    return paths
