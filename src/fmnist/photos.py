"""Turn a photo into a Fashion-MNIST image, the way the dataset itself was made.

Xiao, Rasul and Vollgraf (2017, section 2) made each image from a product photo on a light
background: trim the background, resize the longest edge to 28 pixels, sharpen, centre on a 28x28
canvas, negate (the item light on dark) and keep 8-bit grayscale. :func:`photo_steps` does the same,
one function per step, for photos of any size and mode; it decides from the border whether the
background is light and inverts only then, so an image already in the dataset's form passes through
unchanged. Pillow decodes; images above :data:`MAX_PIXELS` are refused before they are decoded.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from fmnist.config import IMAGE_SHAPE

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
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return bool(np.median(border) > 127)


def light_on_dark(gray: np.ndarray) -> np.ndarray:
    """The photo with the item light on a dark background: negated if its background is light."""
    return 255 - gray if background_is_light(gray) else gray


def trim(gray: np.ndarray) -> np.ndarray:
    """The photo cropped to the item: the box around every pixel that differs from the (dark) background."""
    background = np.median(np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]]))
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


def photo_steps(path: Path) -> dict[str, np.ndarray]:
    """Every step from the file to a Fashion-MNIST image, in order; the last one is the result."""
    steps = {"grayscale": read_grayscale(path)}
    if steps["grayscale"].shape == IMAGE_SHAPE and not background_is_light(steps["grayscale"]):
        return steps  # already in the dataset's form
    steps["light on dark"] = light_on_dark(steps["grayscale"])
    steps["trimmed"] = trim(steps["light on dark"])
    steps["resized"] = resize_longest_edge(steps["trimmed"])
    steps["sharpened"] = sharpen(steps["resized"])
    steps["centred"] = centre(steps["sharpened"])
    return steps


def load_photo(path: Path) -> np.ndarray:
    """The photo in ``path`` as a Fashion-MNIST image: uint8, (28, 28), the item light on dark."""
    return list(photo_steps(path).values())[-1]
