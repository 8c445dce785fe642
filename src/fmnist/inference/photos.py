"""Turn a photo into a Fashion-MNIST image: find the item, then make it the way the dataset was made.

Xiao, Rasul and Vollgraf (2017, section 2) made each image from a Zalando studio shot on a flat white
background: trim the background, resize the longest edge to 28 pixels, sharpen, centre on a 28x28
canvas, negate (the item light on dark). Photos people take have no flat background, so trimming
"everything not the border's colour" would keep the whole frame. :func:`prepare_photo` first finds the
item (scikit-image): it fits a smooth surface to the background's light, so gradients and vignetting
cancel; measures each pixel's colour distance from it; thresholds that distance with hysteresis,
between a level above the background's own noise and texture and Otsu's threshold; stops the mask a
few pixels past the outline a watershed finds, so a soft shadow stays out; and keeps the connected
regions that make up the item. The item's distance from the background becomes its intensity, light
on black on any background, light or dark, stretched so its brightest pixel is 255 as in every image
of the dataset; then the dataset's steps follow.
An image already in the dataset's form passes through unchanged. Pillow decodes; images above
:data:`MAX_PIXELS` are refused before they are decoded.
"""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError
from scipy import ndimage
from skimage import filters, measure, morphology, segmentation

from fmnist.config import IMAGE_SHAPE
from fmnist.errors import PhotoError

#: The largest image decoded, in pixels (a 50-megapixel photo); larger ones may be decompression bombs.
MAX_PIXELS = 50_000_000
#: The file types read (GIF: its first frame).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif")
#: Photos are searched for the item at this longest edge, in pixels (a larger one is reduced first).
WORKING_SIZE = 256
#: The share of each side taken as the frame's border, where the background is first sampled.
BORDER = 0.06
#: A pixel belongs to the item when it differs from the background by this many times the
#: background's own spread (noise and texture), at least, and touches one that passes Otsu's threshold.
NOISE_MARGIN = 4.0
#: The mask reaches at most this many pixels past the item's outline, found by a watershed of the
#: distance's gradient: a soft shadow, whose edge is gradual, stops there.
EDGE_REACH = 3
#: Regions smaller than this share of the largest one are dropped (specks of texture or noise).
MIN_REGION_SHARE = 0.05
#: An item whose box covers less of the photo than this share gets a warning: crop closer to it.
SLIVER_SHARE = 0.02


@dataclass
class PreparedPhoto:
    """A photo made into a Fashion-MNIST image, with where its item was found and every step on the way."""

    image: np.ndarray  # uint8 (28, 28), the item light on black
    box: tuple[int, int, int, int] | None  # the item's (left, top, width, height) in the photo; None if passed through
    share: float  # the share of the photo's area the item's box covers
    steps: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def warning(self) -> str | None:
        """Why the result may be wrong, if it may be."""
        if self.box is not None and self.share < SLIVER_SHARE:
            return f"the item found fills only {self.share:.1%} of the photo: crop closer to it"
        return None


def read_rgb(path: Path) -> np.ndarray:
    """The photo in ``path`` as 8-bit RGB (h, w, 3): EXIF orientation applied, first frame of an
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
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
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


def _longest_edge_at(shape: tuple[int, ...], size: int) -> tuple[int, int]:
    """The (width, height) that scales ``shape`` (height, width, ...) so its longest edge is ``size``."""
    scale = size / max(shape[:2])
    return max(1, round(shape[1] * scale)), max(1, round(shape[0] * scale))


def reduce(rgb: np.ndarray, size: int = WORKING_SIZE) -> np.ndarray:
    """The photo with its longest edge at most ``size`` pixels (box filter: it also averages out noise)."""
    if max(rgb.shape[:2]) <= size:
        return rgb
    return np.asarray(Image.fromarray(rgb).resize(_longest_edge_at(rgb.shape, size), Image.Resampling.BOX))


def _border_mask(shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, bool)
    rows, cols = max(1, round(shape[0] * BORDER)), max(1, round(shape[1] * BORDER))
    mask[:rows], mask[-rows:], mask[:, :cols], mask[:, -cols:] = True, True, True, True
    return mask


def _surface_terms(shape: tuple[int, int]) -> np.ndarray:
    y, x = np.mgrid[0 : shape[0], 0 : shape[1]]
    y, x = y / max(shape[0] - 1, 1) - 0.5, x / max(shape[1] - 1, 1) - 0.5
    return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1)


def background_light(rgb: np.ndarray, sample: np.ndarray) -> np.ndarray:
    """The background's colour at every pixel: a quadratic surface per channel, fitted to the pixels of
    ``sample`` by least squares, twice, the second time without the pixels the first fit explains worst."""
    terms = _surface_terms(rgb.shape[:2])
    grid = (slice(None, None, 3), slice(None, None, 3))  # a smooth surface: every third pixel each way is enough
    pixels, where, chosen = rgb[grid].reshape(-1, 3).astype(float), terms[grid].reshape(-1, 6), sample[grid].ravel()
    for _ in range(2):
        coef, *_ = np.linalg.lstsq(where[chosen], pixels[chosen], rcond=None)
        error = np.linalg.norm(pixels - where @ coef, axis=1)
        chosen = chosen & (error <= np.percentile(error[chosen], 80))
    return terms @ coef


def item_mask(distance: np.ndarray, background: np.ndarray) -> np.ndarray | None:
    """The item's pixels: hysteresis between the background's spread and Otsu's threshold of
    ``distance``, kept near the outline a watershed finds, closed, filled and kept to the regions that
    make up the item; None if nothing stands out."""
    smooth = filters.gaussian(distance, sigma=1.0)
    level = np.median(smooth[background])
    spread = 1.4826 * np.median(np.abs(smooth[background] - level)) + 1.0  # robust standard deviation, in grey levels
    if smooth.max() < level + 2 * NOISE_MARGIN * spread:
        return None
    high = filters.threshold_otsu(smooth)
    low = min(level + NOISE_MARGIN * spread, high)
    mask = filters.apply_hysteresis_threshold(smooth, low, high)
    markers = np.where(smooth < low, 1, 0) + np.where(smooth > high, 2, 0)
    mask &= _grown(segmentation.watershed(filters.sobel(smooth), markers) == 2, EDGE_REACH)
    mask &= distance > low  # the smoothing spreads the outline by a pixel: the box follows the unsmoothed one
    mask = ndimage.binary_fill_holes(ndimage.binary_closing(mask, morphology.disk(2), border_value=0))
    regions = measure.label(mask)
    sizes = np.bincount(regions.ravel())[1:]
    if sizes.size == 0:
        return None
    keep = np.flatnonzero(sizes >= MIN_REGION_SHARE * sizes.max()) + 1
    return np.isin(regions, keep)


def _grown(mask: np.ndarray, radius: int) -> np.ndarray:
    return ndimage.binary_dilation(mask, morphology.disk(radius))


def _distance(rgb: np.ndarray, light: np.ndarray) -> np.ndarray:
    """Each pixel's colour distance from the background's light, in grey levels."""
    return np.linalg.norm(rgb.astype(float) - light, axis=-1) / np.sqrt(3)


def find_item(rgb: np.ndarray) -> dict[str, np.ndarray] | None:
    """The item in a (reduced) photo: the background's light, the item's mask and its intensity (each
    pixel's distance from the background, the background at zero); None if no item stands out."""
    border = _border_mask(rgb.shape[:2])
    mask = item_mask(_distance(rgb, background_light(rgb, border)), border)
    if mask is None:
        return None
    light = background_light(rgb, ~_grown(mask, 3))  # refit without the item
    distance = _distance(rgb, light)
    outside = ~_grown(mask, 2)
    floor = np.median(distance[outside]) if outside.any() else 0.0
    intensity = np.where(_grown(mask, 1), np.clip(distance - floor, 0, None), 0)
    return {"background": light, "mask": mask, "intensity": intensity}


def to_8bit(intensity: np.ndarray) -> np.ndarray:
    """The intensity stretched so its brightest pixel is 255, as in every image of the dataset."""
    return np.uint8(np.clip(intensity * 255 / max(intensity.max(), 1e-6), 0, 255).round())


def bounding_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """The (left, top, width, height) of the box around the mask's pixels."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)


def resize_longest_edge(intensity: np.ndarray, size: int = IMAGE_SHAPE[0]) -> np.ndarray:
    """The intensity scaled so its longest edge is ``size`` pixels (Lanczos), keeping its proportions."""
    image = Image.fromarray(intensity.astype(np.float32), mode="F")
    return np.asarray(image.resize(_longest_edge_at(intensity.shape, size), Image.Resampling.LANCZOS))


def sharpen(gray: np.ndarray) -> np.ndarray:
    """The photo sharpened by an unsharp mask of radius 1, strongest near outlines."""
    return np.asarray(Image.fromarray(gray).filter(ImageFilter.UnsharpMask(radius=1.0, percent=100, threshold=0)))


def centre(gray: np.ndarray, shape: tuple[int, int] = IMAGE_SHAPE) -> np.ndarray:
    """The photo in the middle of a black canvas of ``shape``."""
    canvas = np.zeros(shape, dtype=np.uint8)
    top, left = (shape[0] - gray.shape[0]) // 2, (shape[1] - gray.shape[1]) // 2
    canvas[top : top + gray.shape[0], left : left + gray.shape[1]] = gray
    return canvas


def _in_datasets_form(rgb: np.ndarray) -> bool:
    return rgb.shape[:2] == IMAGE_SHAPE and np.median(rgb[_border_mask(IMAGE_SHAPE)]) < 128


def prepare_photo(path: Path) -> PreparedPhoto:
    """The photo in ``path`` as a Fashion-MNIST image, with where the item is and every step; a
    :class:`PhotoError` if the file cannot be read or no item stands out from its background."""
    rgb = read_rgb(path)
    gray = np.asarray(Image.fromarray(rgb).convert("L"))
    steps = {"photo": gray}
    if _in_datasets_form(rgb):
        return PreparedPhoto(gray, None, 1.0, steps)
    small = reduce(rgb)
    found = find_item(small)
    if found is None:
        raise PhotoError(f"{path}: no item stands out from the background")
    steps["background"] = np.uint8(found["background"].mean(axis=-1).clip(0, 255).round())
    steps["item found"] = np.uint8(found["mask"]) * 255
    left, top, width, height = bounding_box(found["mask"])
    trimmed = found["intensity"][top : top + height, left : left + width]
    steps["trimmed"] = to_8bit(trimmed)
    steps["resized"] = to_8bit(resize_longest_edge(trimmed))
    steps["sharpened"] = sharpen(steps["resized"])
    steps["centred"] = centre(steps["sharpened"])
    scale = gray.shape[1] / small.shape[1]
    box = tuple(int(round(v * scale)) for v in (left, top, width, height))
    return PreparedPhoto(steps["centred"], box, width * height / (small.shape[0] * small.shape[1]), steps)


def photo_steps(path: Path) -> dict[str, np.ndarray]:
    """Every step from the file to a Fashion-MNIST image, in order; the last one is the result."""
    return prepare_photo(path).steps


def load_photo(path: Path) -> np.ndarray:
    """The photo in ``path`` as a Fashion-MNIST image: uint8, (28, 28), the item light on dark."""
    return prepare_photo(path).image
