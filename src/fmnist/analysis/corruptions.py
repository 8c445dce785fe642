"""Common corruptions of Fashion-MNIST images, each at up to five severities, for 07_robustness.

The families are FMNIST-C's (Weiss and Tonella, ISSTA 2022) and MNIST-C's (Mu and Gilmer, 2019),
with ImageNet-C's Gaussian noise, speckle noise, Gaussian and defocus blur, JPEG and pixelation
(Hendrycks and Dietterich, ICLR 2019) beside them. Every corruption takes uint8 images (n, 28, 28)
and gives uint8 images of the same shape; the same seed gives the same images. Orientation changes
(upside down, turned) have one level only: they have no strength to grade.

:data:`HELD_OUT_FAMILIES` are kept out of any training and any choice of a robust recipe, so that
its accuracy on them measures generalisation to corruptions it never saw.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage
from skimage.feature import canny

from fmnist.errors import UsageError

Level = float | int | tuple | None  # what a corruption does at one severity


@dataclass(frozen=True)
class Corruption:
    """One corruption: its family, what it does at each level (``levels[severity - 1]``), and how."""

    family: str
    levels: tuple[Level, ...]
    apply: Callable[[np.ndarray, Level, np.random.Generator], np.ndarray]  # floats in [0, 1] -> floats


def _gaussian_noise(x: np.ndarray, sigma: Level, rng: np.random.Generator) -> np.ndarray:
    return x + rng.normal(0, sigma, x.shape)


def _shot_noise(x: np.ndarray, photons: Level, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(x * photons) / photons


def _impulse_noise(x: np.ndarray, amount: Level, rng: np.random.Generator) -> np.ndarray:
    hit = rng.random(x.shape) < amount
    return np.where(hit, rng.integers(0, 2, x.shape), x)  # salt and pepper


def _speckle_noise(x: np.ndarray, sigma: Level, rng: np.random.Generator) -> np.ndarray:
    return x + x * rng.normal(0, sigma, x.shape)


def _gaussian_blur(x: np.ndarray, sigma: Level, rng: np.random.Generator) -> np.ndarray:
    return ndimage.gaussian_filter(x, sigma=(0, sigma, sigma))


def _defocus_blur(x: np.ndarray, radius: Level, rng: np.random.Generator) -> np.ndarray:
    span = np.arange(-int(np.ceil(radius)), int(np.ceil(radius)) + 1)
    disk = (span[:, None] ** 2 + span[None, :] ** 2 <= radius**2).astype(float)
    return ndimage.convolve(x, (disk / disk.sum())[None], mode="constant")


def _glass_blur(x: np.ndarray, level: Level, rng: np.random.Generator) -> np.ndarray:
    """Blur, then move every pixel to a random place at most ``delta`` away, ``iterations`` times, then blur."""
    sigma, delta, iterations = level
    x = ndimage.gaussian_filter(x, sigma=(0, sigma, sigma))
    n, height, width = x.shape
    rows, cols = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    for _ in range(iterations):
        moved_rows = np.clip(rows + rng.integers(-delta, delta + 1, x.shape), 0, height - 1)
        moved_cols = np.clip(cols + rng.integers(-delta, delta + 1, x.shape), 0, width - 1)
        x = x[np.arange(n)[:, None, None], moved_rows, moved_cols]
    return ndimage.gaussian_filter(x, sigma=(0, sigma, sigma))


def _motion_blur(x: np.ndarray, length: Level, rng: np.random.Generator, directions: int = 12) -> np.ndarray:
    """Averaged along a line ``length`` pixels long, in a random direction for each image."""
    chosen = rng.integers(0, directions, len(x))
    out = np.empty_like(x)
    half = (length - 1) / 2
    steps = np.linspace(-half, half, 4 * length)
    for direction in range(directions):
        angle = np.pi * direction / directions
        kernel = np.zeros((length, length))
        kernel[
            np.round(half + steps * np.sin(angle)).astype(int), np.round(half + steps * np.cos(angle)).astype(int)
        ] = 1
        out[chosen == direction] = ndimage.convolve(
            x[chosen == direction], (kernel / kernel.sum())[None], mode="constant"
        )
    return out


def _affine(x: np.ndarray, matrices: np.ndarray) -> np.ndarray:
    """Each image warped by its own 2x2 ``matrices[i]`` about the centre (bilinear, zeros outside)."""
    centre = (np.array(x.shape[1:]) - 1) / 2
    return np.stack(
        [
            ndimage.affine_transform(image, m, offset=centre - m @ centre, order=1, mode="constant")
            for image, m in zip(x, matrices)
        ]
    )


def _random_signs(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice([-1.0, 1.0], n)


def _rotate(x: np.ndarray, degrees: Level, rng: np.random.Generator) -> np.ndarray:
    angles = np.deg2rad(degrees) * _random_signs(rng, len(x))
    cos, sin = np.cos(angles), np.sin(angles)
    return _affine(x, np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], 1))


def _shear(x: np.ndarray, amount: Level, rng: np.random.Generator) -> np.ndarray:
    shears = amount * _random_signs(rng, len(x))
    ones, zeros = np.ones(len(x)), np.zeros(len(x))
    return _affine(x, np.stack([np.stack([ones, zeros], -1), np.stack([shears, ones], -1)], 1))


def _scale(x: np.ndarray, factor: Level, rng: np.random.Generator) -> np.ndarray:
    """Shrunk about the centre to ``factor`` of its size."""
    return _affine(x, np.broadcast_to(np.eye(2) / factor, (len(x), 2, 2)))


def _translate(x: np.ndarray, pixels: Level, rng: np.random.Generator) -> np.ndarray:
    """Moved ``pixels`` in a random direction, zeros filling in."""
    angles = rng.uniform(0, 2 * np.pi, len(x))
    moves = np.round(pixels * np.stack([np.sin(angles), np.cos(angles)], -1)).astype(int)
    return np.stack([ndimage.shift(image, move, order=0, mode="constant") for image, move in zip(x, moves)])


def _brightness(x: np.ndarray, lift: Level, rng: np.random.Generator) -> np.ndarray:
    return x + lift


def _contrast(x: np.ndarray, factor: Level, rng: np.random.Generator) -> np.ndarray:
    means = x.mean(axis=(1, 2), keepdims=True)
    return means + (x - means) * factor


def _saturate(x: np.ndarray, gain: Level, rng: np.random.Generator) -> np.ndarray:
    """Over-exposed: intensities multiplied by ``gain``, so the light parts burn out to white."""
    return x * gain


def _inverse(x: np.ndarray, share: Level, rng: np.random.Generator) -> np.ndarray:
    """Light on dark: ``share`` of the way to the negative image (1: the negative)."""
    return x * (1 - share) + (1 - x) * share


def _pil_round_trip(x: np.ndarray, convert: Callable[[Image.Image], Image.Image]) -> np.ndarray:
    images = (np.clip(x, 0, 1) * 255).round().astype(np.uint8)
    return np.stack([np.asarray(convert(Image.fromarray(image)), float) / 255 for image in images])


def _jpeg(x: np.ndarray, quality: Level, rng: np.random.Generator) -> np.ndarray:
    def compress(image: Image.Image) -> Image.Image:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality)
        return Image.open(buffer)

    return _pil_round_trip(x, compress)


def _pixelate(x: np.ndarray, size: Level, rng: np.random.Generator) -> np.ndarray:
    return _pil_round_trip(x, lambda image: image.resize((size, size), Image.BOX).resize(image.size, Image.NEAREST))


def _draw(x: np.ndarray, rng: np.random.Generator, draw_one: Callable) -> np.ndarray:
    """``draw_one(draw, rng)`` paints white marks on each image (PIL), drawn at 4x and scaled down."""
    out = np.empty_like(x)
    for i, image in enumerate(x):
        marks = Image.new("L", (4 * x.shape[2], 4 * x.shape[1]))
        draw_one(ImageDraw.Draw(marks), rng)
        out[i] = np.maximum(image, np.asarray(marks.resize(image.shape[::-1], Image.BOX), float) / 255)
    return out


def _stripe(x: np.ndarray, width: Level, rng: np.random.Generator) -> np.ndarray:
    """A white band ``width`` pixels wide across the image, vertical or horizontal."""

    def one(draw: ImageDraw.ImageDraw, rng: np.random.Generator) -> None:
        start = rng.integers(0, 4 * (28 - width))
        box = (start, 0, start + 4 * width - 1, 111) if rng.random() < 0.5 else (0, start, 111, start + 4 * width - 1)
        draw.rectangle(box, fill=255)

    return _draw(x, rng, one)


def _lines(x: np.ndarray, count: int, rng: np.random.Generator, draw_line: Callable) -> np.ndarray:
    """``count`` random lines on each image, each painted by ``draw_line(draw, start, end)`` on the 4x canvas."""

    def one(draw: ImageDraw.ImageDraw, rng: np.random.Generator) -> None:
        for _ in range(count):
            start, end = rng.uniform(0, 112, 2), rng.uniform(0, 112, 2)
            draw_line(draw, start, end)

    return _draw(x, rng, one)


def _dotted_line(x: np.ndarray, level: Level, rng: np.random.Generator) -> np.ndarray:
    """``lines`` random lines of 8 white dots, ``radius`` a quarter pixel each (drawn at 4x)."""
    lines, radius = level

    def dots(draw: ImageDraw.ImageDraw, start: np.ndarray, end: np.ndarray) -> None:
        for t in np.linspace(0, 1, 8):
            centre = start + t * (end - start)
            draw.ellipse((*(centre - radius), *(centre + radius)), fill=255)

    return _lines(x, lines, rng, dots)


def _zigzag(x: np.ndarray, level: Level, rng: np.random.Generator) -> np.ndarray:
    """``lines`` random white zigzags, ``width`` a quarter pixel wide (drawn at 4x)."""
    lines, width = level

    def zigzag(draw: ImageDraw.ImageDraw, start: np.ndarray, end: np.ndarray) -> None:
        normal = np.array([start[1] - end[1], end[0] - start[0]]) / max(np.linalg.norm(end - start), 1)
        corners = [
            start + t * (end - start) + (8 if k % 2 else -8) * normal for k, t in enumerate(np.linspace(0, 1, 7))
        ]
        draw.line([tuple(p) for p in corners], fill=255, width=width)

    return _lines(x, lines, rng, zigzag)


def _spatter(x: np.ndarray, coverage: Level, rng: np.random.Generator) -> np.ndarray:
    """Splashes: blurred noise above a threshold, so that ``coverage`` of the image is stained mid grey."""
    blobs = ndimage.gaussian_filter(rng.random(x.shape), sigma=(0, 1.5, 1.5))
    stained = blobs > np.quantile(blobs, 1 - coverage, axis=(1, 2), keepdims=True)
    return np.where(stained, 0.5, x)


def _fog(x: np.ndarray, strength: Level, rng: np.random.Generator) -> np.ndarray:
    """A haze that lifts the background: smooth noise of ``strength``, darkest where the item is darkest."""
    coarse = rng.random((len(x), 4, 4))
    haze = ndimage.zoom(coarse, (1, 7, 7), order=3, mode="nearest")
    return x + strength * (0.5 + 0.5 * haze) * (1 - x)


def _canny_edges(x: np.ndarray, sigma: Level, rng: np.random.Generator) -> np.ndarray:
    """Only the item's edges remain, white on black (Canny, smoothing ``sigma``)."""
    return np.stack([canny(image, sigma=sigma).astype(float) for image in x])


def _upside_down(x: np.ndarray, level: Level, rng: np.random.Generator) -> np.ndarray:
    return x[:, ::-1]


def _turned(x: np.ndarray, level: Level, rng: np.random.Generator) -> np.ndarray:
    return np.rot90(x, k=-1, axes=(1, 2))  # a quarter turn clockwise


CORRUPTIONS = {
    "Gaussian noise": Corruption("noise", (0.08, 0.12, 0.18, 0.26, 0.38), _gaussian_noise),
    "shot noise": Corruption("noise", (60, 25, 12, 5, 3), _shot_noise),
    "impulse noise": Corruption("noise", (0.03, 0.06, 0.09, 0.17, 0.27), _impulse_noise),
    "speckle noise": Corruption("noise", (0.15, 0.2, 0.35, 0.45, 0.6), _speckle_noise),
    "Gaussian blur": Corruption("blur", (0.5, 0.7, 0.9, 1.1, 1.4), _gaussian_blur),
    "defocus blur": Corruption("blur", (1, 1.5, 2, 2.5, 3), _defocus_blur),
    "glass blur": Corruption("blur", ((0.4, 1, 1), (0.5, 1, 2), (0.6, 1, 3), (0.7, 2, 2), (0.8, 2, 3)), _glass_blur),
    "motion blur": Corruption("blur", (3, 5, 7, 9, 11), _motion_blur),
    "rotation": Corruption("geometry", (10, 20, 30, 40, 50), _rotate),
    "shear": Corruption("geometry", (0.1, 0.2, 0.3, 0.45, 0.6), _shear),
    "scale": Corruption("geometry", (0.9, 0.8, 0.7, 0.6, 0.5), _scale),
    "translation": Corruption("geometry", (2, 3, 4, 5, 6), _translate),
    "brightness": Corruption("photometric", (0.1, 0.2, 0.3, 0.4, 0.5), _brightness),
    "contrast": Corruption("photometric", (0.6, 0.45, 0.3, 0.2, 0.12), _contrast),
    "saturate": Corruption("photometric", (1.5, 2, 2.5, 3, 4), _saturate),
    "inverse": Corruption("photometric", (0.6, 0.7, 0.8, 0.9, 1.0), _inverse),
    "JPEG": Corruption("compression", (25, 18, 12, 8, 5), _jpeg),
    "pixelate": Corruption("compression", (20, 16, 12, 10, 8), _pixelate),
    "stripe": Corruption("overlay", (1, 2, 3, 4, 5), _stripe),
    "dotted line": Corruption("overlay", ((1, 3), (1, 5), (2, 4), (2, 5), (3, 5)), _dotted_line),
    "zigzag": Corruption("overlay", ((1, 3), (1, 6), (2, 4), (2, 6), (3, 6)), _zigzag),
    "spatter": Corruption("overlay", (0.03, 0.06, 0.1, 0.15, 0.2), _spatter),
    "fog": Corruption("overlay", (0.2, 0.3, 0.4, 0.5, 0.6), _fog),
    "Canny edges": Corruption("edges", (1.0, 1.5, 2.0, 2.5, 3.0), _canny_edges),
    "upside down": Corruption("orientation", (None,), _upside_down),
    "turned": Corruption("orientation", (None,), _turned),
}
#: Never trained on and never used to choose a recipe: 07 reports a robust recipe's accuracy on these.
HELD_OUT_FAMILIES = ("blur", "compression", "overlay")


def families() -> dict[str, list[str]]:
    """Each family's corruptions, in :data:`CORRUPTIONS`' order."""
    grouped: dict[str, list[str]] = {}
    for name, corruption in CORRUPTIONS.items():
        grouped.setdefault(corruption.family, []).append(name)
    return grouped


def corrupt(images: np.ndarray, name: str, severity: int, seed: int = 0) -> np.ndarray:
    """``images`` (uint8, (n, 28, 28)) under corruption ``name`` at ``severity`` (1 to 5, or 1 for a
    one-level corruption), as uint8; the same seed gives the same images."""
    if name not in CORRUPTIONS:
        raise UsageError(f"unknown corruption {name!r}; choose one of: {', '.join(CORRUPTIONS)}")
    corruption = CORRUPTIONS[name]
    if severity not in range(1, len(corruption.levels) + 1):
        raise UsageError(f"{name} has severities 1 to {len(corruption.levels)}, not {severity}")
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 3:
        raise UsageError(f"corrupt() takes uint8 images shaped (n, height, width), not {images.dtype} {images.shape}")
    rng = np.random.default_rng([seed, list(CORRUPTIONS).index(name), severity])
    x = images.astype(float) / 255
    corrupted = corruption.apply(x, corruption.levels[severity - 1], rng)
    return (np.clip(corrupted, 0, 1) * 255).round().astype(np.uint8)
