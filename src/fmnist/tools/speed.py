"""Where does CPU training time go? Time training steps under different settings (``fmnist speed``).

Each row trains the named model for a fixed number of steps (after a warm-up that absorbs tracing
and compilation) and reports images per second and the implied seconds per epoch of 54,000
images; one more row iterates the augmented input pipeline alone. Results are printed as a
Markdown table and saved to bench/results/speed-<date>-<host>.md (``-run2`` and on for a same-day rerun).
"""

import platform
import time
from collections.abc import Callable
from datetime import date
from functools import partial

import keras
import numpy as np

from fmnist import markdown
from fmnist.config import PROJ_ROOT
from fmnist.data import load
from fmnist.data.pipeline import make_dataset
from fmnist.files import unused_stem
from fmnist.runtime import build_in_precision, start_tensorflow
from fmnist.training.builders import build_baseline_cnn, build_vgg_bn
from fmnist.training.recipes import RECIPES

STEPS, WARMUP, EPOCH_IMAGES = 40, 5, 54000
# (label, builder, precision, batch size, XLA, augment, steps_per_execution)
SETTINGS = [
    ("baseline, float32, batch 64, XLA (Keras' default)", build_baseline_cnn, "float32", 64, True, False, 1),
    ("baseline, float32, batch 64, no XLA", build_baseline_cnn, "float32", 64, False, False, 1),
    ("vgg_bn, float32, batch 128", build_vgg_bn, "float32", 128, False, False, 1),
    ("vgg_bn, float32, batch 256", build_vgg_bn, "float32", 256, False, False, 1),
    ("vgg_bn, float32, batch 256, XLA", build_vgg_bn, "float32", 256, True, False, 1),
    ("vgg_bn, bfloat16, batch 128", build_vgg_bn, "mixed_bfloat16", 128, False, False, 1),
    ("vgg_bn, bfloat16, batch 256", build_vgg_bn, "mixed_bfloat16", 256, False, False, 1),
    ("vgg_bn, bfloat16, batch 256, XLA", build_vgg_bn, "mixed_bfloat16", 256, True, False, 1),
    ("vgg_bn, bfloat16, batch 256, 8 steps per execution", build_vgg_bn, "mixed_bfloat16", 256, False, False, 8),
    (
        "vgg_bn, bfloat16, batch 256, with augmentation (the recipe)",
        build_vgg_bn,
        "mixed_bfloat16",
        256,
        False,
        True,
        1,
    ),
    ("fast_cnn, float32, batch 256", RECIPES["fast_cnn"].build, "float32", 256, False, False, 1),
    ("fast_cnn, bfloat16, batch 256", RECIPES["fast_cnn"].build, "mixed_bfloat16", 256, False, False, 1),
    ("fast_cnn, bfloat16, batch 512", RECIPES["fast_cnn"].build, "mixed_bfloat16", 512, False, False, 1),
    (
        "fast_cnn, bfloat16, batch 256, with augmentation (the recipe)",
        RECIPES["fast_cnn"].build,
        "mixed_bfloat16",
        256,
        False,
        True,
        1,
    ),
    (
        "fast_cnn with pooling instead of its strided first convolution, bfloat16, batch 256",
        partial(RECIPES["fast_cnn"].build, stride_first_conv=False),
        "mixed_bfloat16",
        256,
        False,
        False,
        1,
    ),
    # The widths fast_cnn had before, and a cheaper head (bench/README.md, "How the default was chosen", 7 and 8).
    (
        "fast_cnn with 32-64-128 filters (its widths before the switch to 24-48-96), bfloat16, batch 256",
        partial(RECIPES["fast_cnn"].build, widths=(32, 64, 128)),
        "mixed_bfloat16",
        256,
        False,
        False,
        1,
    ),
    (
        "fast_cnn with a dense layer of 128, bfloat16, batch 256",
        partial(RECIPES["fast_cnn"].build, dense_units=128),
        "mixed_bfloat16",
        256,
        False,
        False,
        1,
    ),
]


def time_training(
    x: np.ndarray,
    y: np.ndarray,
    build: Callable[[], keras.Model],
    precision: str,
    batch_size: int,
    xla: bool,
    augment: bool,
    steps_per_execution: int,
) -> float:
    """Images per second of ``STEPS`` training steps."""
    model = build_in_precision(build, precision)
    model.compile(
        optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
        loss="sparse_categorical_crossentropy",
        jit_compile=xla,
        steps_per_execution=steps_per_execution,
    )
    n = batch_size * (STEPS + WARMUP)
    ds = make_dataset(x[:n], y[:n], batch_size=batch_size, shuffle=True, shift=2 * augment, flip=augment)
    model.fit(ds.take(WARMUP), verbose=0)
    start = time.perf_counter()
    model.fit(ds.skip(WARMUP).take(STEPS), verbose=0)
    return batch_size * STEPS / (time.perf_counter() - start)


def time_pipeline(x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> float:
    """Images per second of the augmented input pipeline alone, without any training."""
    ds = make_dataset(x, y, batch_size=batch_size, shuffle=True, shift=2, flip=True)
    for _ in ds.take(5):
        pass
    start = time.perf_counter()
    count = sum(int(images.shape[0]) for images, _ in ds)
    return count / (time.perf_counter() - start)


def run_speed_table() -> None:
    """Time every setting, print the table and write it to ``bench/results/``."""
    environment = start_tensorflow()
    (x, y), _ = load()
    rows = []
    for label, *setting in SETTINGS:
        rate = time_training(x, y, *setting)
        rows.append((label, rate))
        print(f"{label}: {rate:,.0f} images/s", flush=True)
    rows.append(("input pipeline alone: shuffle, scale, shift and flip, batch 256", time_pipeline(x, y)))
    cells = ([label, f"{rate:,.0f}", f"{EPOCH_IMAGES / rate:.1f}"] for label, rate in rows)
    table = markdown.table(["setting", "images/s", "s per epoch"], cells)
    table += f"\n\nMeasured on {date.today()} on `{platform.node()}` ({environment})."
    results_dir = PROJ_ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / (unused_stem(results_dir, f"speed-{date.today()}-{platform.node()}", ".md") + ".md")
    out.write_text(table + "\n", encoding="utf-8")
    print(f"\n{table}\n\nWrote {out}")
