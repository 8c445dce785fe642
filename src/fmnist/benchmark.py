"""Benchmark recipes on this machine: accuracy, training time, time to 91%, inference speed.

Each recipe trains in a fresh process (``fmnist train``) into a scratch folder; inference is
timed here on the saved model. Results go to ``bench/results/<date>-<host>.json`` and ``.md``,
and README's results table is rendered from the newest results file.
"""

import json
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from fmnist.config import PROJ_ROOT, card_path, history_path, weights_path
from fmnist.files import read_json, write_json
from fmnist.readme import README, update_block

RESULTS_DIR = PROJ_ROOT / "bench" / "results"
README_BLOCK = "bench"
TARGET_VAL_ACCURACY = 0.91
LATENCY_CALLS = 200
THROUGHPUT_REPEATS = 3

COLUMNS = (
    ("model", "{}"),
    ("test_accuracy", "{:.2%}"),
    ("shirt_recall", "{:.1%}"),
    ("training_seconds", "{:.0f} s"),
    ("command_seconds", "{:.0f} s"),
    ("seconds_to_91_val", "{:.0f} s"),
    ("epochs", "{}"),
    ("parameters", "{:,}"),
    ("images_per_second", "{:,.0f}"),
    ("latency_ms", "{:.1f} ms"),
)
HEADERS = (
    "model",
    "test accuracy",
    "Shirt recall",
    "training time",
    "whole command",
    "time to 91% val.",
    "epochs",
    "parameters",
    "inference (images/s)",
    "latency (1 image)",
)


def seconds_to_accuracy(history: dict, target: float = TARGET_VAL_ACCURACY) -> float | None:
    """Training seconds until validation accuracy first reached ``target`` (None if never)."""
    elapsed = np.cumsum(history["epoch_seconds"])
    reached = np.flatnonzero(np.asarray(history["val_accuracy"]) >= target)
    return float(elapsed[reached[0]]) if reached.size else None


def run_benchmark(names: list[str]) -> Path:
    """Benchmark ``names``, write the results file, print its table and regenerate README's; return its path."""
    path = write_results(benchmark(names))
    results = latest_results()
    print(f"\nWrote {path}\n\n{render_table(results)}")
    update_readme(results)
    return path


def benchmark(names: list[str]) -> dict:
    """Train and time every recipe in ``names``; return the results."""
    from fmnist.runtime import start_tensorflow

    environment = start_tensorflow()
    from fmnist.data import load

    _, (x_test, _) = load()
    results = {
        "date": date.today().isoformat(),
        "host": platform.node(),
        "platform": platform.platform(),
        "environment": environment,
        "models": [],
    }
    for name in names:
        with tempfile.TemporaryDirectory() as scratch:
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "fmnist", "train", "--model", name, "--models-dir", scratch], check=True
            )
            command_seconds = time.perf_counter() - start
            card = read_json(card_path(name, scratch))
            history = read_json(history_path(name, scratch))
            speed = _inference_speed(name, Path(scratch), x_test)
        results["models"].append(
            {
                "model": name,
                "test_accuracy": card["test_accuracy"],
                "shirt_recall": card["per_class_recall"]["Shirt"],
                "training_seconds": card["training_seconds"],
                "command_seconds": round(command_seconds, 1),
                "seconds_to_91_val": seconds_to_accuracy(history),
                "epochs": card["epochs"],
                "parameters": card["parameters"],
                "precision": card["precision"],
                "flip_tta": card["recipe"]["flip_tta"],
                **speed,
            }
        )
    return results


def _inference_speed(name: str, models_dir: Path, x_test: np.ndarray) -> dict:
    """Median batch throughput on the test set, and median latency of one image, predicting as the recipe does."""
    import tensorflow as tf

    from fmnist.model_files import load_model
    from fmnist.predict import VIEWS, predict, views_of

    model = load_model(weights_path(name, models_dir))
    predict(model, x_test[:2048], name)  # warm-up: tracing, thread pools
    durations = []
    for _ in range(THROUGHPUT_REPEATS):
        start = time.perf_counter()
        predict(model, x_test, name)
        durations.append(time.perf_counter() - start)
    one = x_test[:1]
    batch = tf.constant(np.concatenate([VIEWS[view](one) for view in views_of(name)])[..., None].astype(np.float32) / 255)
    model(batch, training=False)
    latencies = []
    for _ in range(LATENCY_CALLS):
        start = time.perf_counter()
        model(batch, training=False).numpy()
        latencies.append(time.perf_counter() - start)
    return {
        "images_per_second": len(x_test) / float(np.median(durations)),
        "latency_ms": 1000 * float(np.median(latencies)),
    }


def write_results(results: dict, directory: Path = RESULTS_DIR) -> Path:
    """Save ``results`` as ``<date>-<host>.json`` and ``.md`` in ``directory``; return the JSON path."""
    stem = f"{results['date']}-{re.sub(r'[^A-Za-z0-9_.-]', '_', results['host'])}"
    path = Path(directory) / f"{stem}.json"
    write_json(path, results)
    (Path(directory) / f"{stem}.md").write_text(render_table(results) + "\n", encoding="utf-8")
    return path


def latest_results(directory: Path = RESULTS_DIR) -> dict:
    """The newest results file (by date in its name, then name)."""
    files = sorted(Path(directory).glob("*.json"))
    if not files:
        raise FileNotFoundError(f"{directory}: no benchmark results yet; run `make bench`")
    return json.loads(files[-1].read_text(encoding="utf-8"))


def render_table(results: dict) -> str:
    """Markdown table of ``results``, with the machine and date under it."""
    lines = ["| " + " | ".join(HEADERS) + " |", "| --- |" + " ---: |" * (len(HEADERS) - 1)]
    for row in results["models"]:
        cells = ["n/a" if row[key] is None else fmt.format(row[key]) for key, fmt in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"Measured on {results['date']} on `{results['host']}` ({results['platform']}; {results['environment']})."
    )
    return "\n".join(lines)


def update_readme(results: dict, readme: Path = README) -> None:
    """Replace README's benchmark block with a table of ``results``."""
    update_block(README_BLOCK, render_table(results), readme)
