"""Fashion-MNIST images rendered as photos of the item, under the conditions real photos bring.

:func:`render_photo` draws the garment tinted and shaded, off centre and a little rotated, on a
background, then applies one :class:`Condition`: uneven light (a gradient, vignetting), sensor
noise, strong JPEG compression, a dark, coloured or textured background, a soft shadow, an item
near the edge. Two sets of the same conditions exist with different settings: :data:`TUNING` (what
the photo steps were tuned on, with validation images) and :data:`HELD_OUT` (what 06 reports, with
test images and other seeds), so the reported accuracy measures how the steps generalise.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage

from fmnist.config import ASSETS_DIR, CLASS_NAMES
from fmnist.files import atomic_path

#: Photo-like renders of test images, kept in the repository for 06_predict (:func:`write_sample_photos`).
SAMPLES_DIR = ASSETS_DIR / "photos"
#: Seeds of the tuning renders start here, far from the held-out ones (each image's seed is its index).
TUNING_SEED_OFFSET = 1_000_000


@dataclass(frozen=True)
class Condition:
    """How a render departs from a flat, evenly lit studio shot; the defaults are that studio shot."""

    gradient: float = 0.0  # light falling off across the frame: the darkest side's share less light
    vignette: float = 0.0  # light falling off towards the corners: the corners' share less light
    noise: float = 0.0  # sensor noise: standard deviation in grey levels, per channel
    jpeg_quality: int = 85
    background: str = "light"  # light, dark or coloured
    texture: float = 0.0  # a woven background pattern's amplitude in grey levels
    texture_period: float = 6.0  # the pattern's period in pixels
    shadow: float = 0.0  # a soft shadow's depth, as the share of light it takes from the background
    near_edge: bool = False  # the item within a few pixels of one side of the frame


#: The conditions the photo steps were tuned on (with validation images and seeds from TUNING_SEED_OFFSET).
TUNING = {
    "plain": Condition(),
    "lighting gradient": Condition(gradient=0.12),
    "vignetting": Condition(vignette=0.25),
    "sensor noise": Condition(noise=5.0),
    "low-quality JPEG": Condition(jpeg_quality=25),
    "dark background": Condition(background="dark"),
    "coloured background": Condition(background="coloured"),
    "textured background": Condition(texture=6.0, texture_period=6.0),
    "soft shadow": Condition(shadow=0.3),
    "near an edge": Condition(near_edge=True),
    "all at once": Condition(gradient=0.1, vignette=0.15, noise=3.0, jpeg_quality=40, texture=3.0, shadow=0.2),
}
#: The same conditions with other settings, for reporting only (06): nothing was chosen with these.
HELD_OUT = {
    "plain": Condition(),
    "lighting gradient": Condition(gradient=0.18),
    "vignetting": Condition(vignette=0.35),
    "sensor noise": Condition(noise=7.0),
    "low-quality JPEG": Condition(jpeg_quality=15),
    "dark background": Condition(background="dark", noise=2.0),
    "coloured background": Condition(background="coloured", gradient=0.05),
    "textured background": Condition(texture=8.0, texture_period=9.0),
    "soft shadow": Condition(shadow=0.4),
    "near an edge": Condition(near_edge=True, noise=2.0),
    "all at once": Condition(
        gradient=0.15, vignette=0.2, noise=4.0, jpeg_quality=30, texture=4.0, texture_period=8.0, shadow=0.3
    ),
}


#: The sample photos 06 shows: test images by index, each under one held-out condition.
SAMPLES = {
    4002: "plain",
    6528: "textured background",
    3241: "lighting gradient",
    5179: "soft shadow",
    9423: "dark background",
    3558: "coloured background",
    4327: "sensor noise",
    5643: "all at once",
}


def render_photo(image: np.ndarray, seed: int, condition: Condition = Condition(), size: int = 200) -> Image.Image:
    """The Fashion-MNIST ``image`` as a photo of the item (RGB, ``1.25 * size`` by ``size``) under ``condition``,
    before compression (:func:`write_photos` saves it as JPEG at the condition's quality)."""
    rng = np.random.default_rng(seed)
    side = int(size * rng.uniform(0.6, 0.85))
    width, height = int(size * 1.25), size
    background = _background_colour(condition.background, rng)
    light_item = condition.background == "dark"

    ink = np.asarray(Image.fromarray(image).resize((side, side), Image.Resampling.BICUBIC), dtype=float) / 255
    angle = rng.uniform(-8, 8)
    ink = ndimage.rotate(ink, angle, reshape=False, order=3, mode="constant").clip(0, 1)
    left, top = _position(rng, width - side, height - side, condition.near_edge)
    coverage = np.zeros((height, width))
    coverage[top : top + side, left : left + side] = ink

    # The garment is opaque over its silhouette; within it, its colour goes from the background's tone
    # (where the dataset's image is dark) to its tint (where it is light), as in the studio shots.
    silhouette = ndimage.gaussian_filter(ndimage.binary_fill_holes(coverage > 0.05).astype(float), 0.7)
    garment = background * (1 - coverage[..., None]) + _tint(rng, coverage, light_item) * coverage[..., None]
    frame = np.broadcast_to(background, (height, width, 3)).astype(float)
    if condition.texture:
        frame = frame + _weave(rng, height, width, condition.texture_period)[..., None] * condition.texture
    if condition.shadow:
        offset = (int(rng.integers(4, 10)), int(rng.integers(4, 10)) * rng.choice([-1, 1]))
        shade = ndimage.gaussian_filter(ndimage.shift(silhouette, offset, order=0), sigma=6)
        frame = frame * (1 - condition.shadow * shade[..., None])
    frame = frame * (1 - silhouette[..., None]) + garment * silhouette[..., None]

    frame = frame * _illumination(rng, height, width, condition.gradient, condition.vignette)[..., None]
    if condition.noise:
        frame = frame + rng.normal(0, condition.noise, frame.shape)
    return Image.fromarray(np.uint8(frame.clip(0, 255).round()))


def _tint(rng: np.random.Generator, coverage: np.ndarray, light_item: bool) -> np.ndarray:
    """The garment's colour at full ink: darker (lighter on a dark background) where it has more ink."""
    colour = rng.uniform(150, 250, size=3) if light_item else rng.uniform(40, 200, size=3)
    return colour * (0.55 + 0.45 * coverage[..., None])


def _background_colour(kind: str, rng: np.random.Generator) -> np.ndarray:
    if kind == "light":
        return np.full(3, rng.uniform(215, 250))
    if kind == "dark":
        return np.full(3, rng.uniform(10, 45))
    if kind == "coloured":
        return rng.uniform(150, 250, size=3)  # a pastel: each channel light, the hue random
    raise ValueError(f"unknown background {kind!r}: light, dark or coloured")


def _position(rng: np.random.Generator, free_x: int, free_y: int, near_edge: bool) -> tuple[int, int]:
    left, top = int(rng.integers(0, free_x + 1)), int(rng.integers(0, free_y + 1))
    if near_edge:  # pushed to within a few pixels of one side
        margin = int(rng.integers(0, 4))
        side = rng.integers(4)
        left, top = [(margin, top), (free_x - margin, top), (left, margin), (left, free_y - margin)][side]
    return left, top


def _weave(rng: np.random.Generator, height: int, width: int, period: float) -> np.ndarray:
    """A cloth-like pattern in [-1, 1]: two crossed sinusoids at a random angle, with a little irregularity."""
    y, x = np.mgrid[0:height, 0:width]
    angle = rng.uniform(0, np.pi)
    u, v = x * np.cos(angle) + y * np.sin(angle), -x * np.sin(angle) + y * np.cos(angle)
    pattern = np.sin(2 * np.pi * u / period) * np.sin(2 * np.pi * v / period)
    irregular = ndimage.gaussian_filter(rng.normal(0, 1, (height, width)), sigma=period)
    return (0.7 * pattern + 0.3 * irregular / (np.abs(irregular).max() + 1e-9)).clip(-1, 1)


def _illumination(rng: np.random.Generator, height: int, width: int, gradient: float, vignette: float) -> np.ndarray:
    """The share of light reaching each pixel: 1 at the brightest, ``1 - gradient`` on the far side."""
    y, x = np.mgrid[0:height, 0:width]
    y, x = y / (height - 1) - 0.5, x / (width - 1) - 0.5
    direction = rng.uniform(0, 2 * np.pi)
    along = x * np.cos(direction) + y * np.sin(direction)
    along = (along - along.min()) / (np.ptp(along) or 1)
    radius = (x**2 + y**2) / 0.5  # 1 in the corners
    return (1 - gradient * along) * (1 - vignette * radius)


def conditions_for(split: str) -> dict[str, Condition]:
    """:data:`TUNING` or :data:`HELD_OUT`, by name."""
    return {"tuning": TUNING, "held out": HELD_OUT}[split]


def _slug(text: str) -> str:
    return text.lower().replace("/", "-").replace(" ", "-")


def write_photos(
    images: np.ndarray,
    labels: np.ndarray,
    indices: Sequence[int],
    directory: Path,
    condition: Condition = Condition(),
    seed_offset: int = 0,
    suffix: str = "",
) -> list[Path]:
    """Render the images at ``indices`` as JPEG photos named after their class and index (seed: index + offset)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in indices:
        paths.append(directory / f"{_slug(CLASS_NAMES[labels[i]])}-{i}{suffix}.jpg")
        with atomic_path(paths[-1]) as tmp:
            render_photo(images[i], seed=int(i) + seed_offset, condition=condition).save(
                tmp, format="JPEG", quality=condition.jpeg_quality
            )
    return paths


def write_samples(images: np.ndarray, labels: np.ndarray, directory: Path = SAMPLES_DIR) -> list[Path]:
    """Write 06's sample photos (:data:`SAMPLES`) from the test images, each named after its class, index
    and condition; other JPEGs in ``directory`` are removed."""
    paths = [
        path
        for index, name in SAMPLES.items()
        for path in write_photos(images, labels, [index], directory, HELD_OUT[name], suffix=f"-{_slug(name)}")
    ]
    for stale in set(Path(directory).glob("*.jpg")) - set(paths):
        stale.unlink()
    return sorted(paths)


def samples_are_current(images: np.ndarray, labels: np.ndarray, directory: Path = SAMPLES_DIR) -> bool:
    """Whether ``directory`` holds exactly the sample photos :func:`write_samples` would write, byte for byte."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        fresh = {path.name: path.read_bytes() for path in write_samples(images, labels, Path(scratch))}
    there = {path.name: path.read_bytes() for path in Path(directory).glob("*.jpg")}
    return fresh == there
