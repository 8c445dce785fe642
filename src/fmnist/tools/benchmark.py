"""Benchmark recipes on this machine: accuracy, training time, time to 91%, inference speed.

Each recipe trains in a fresh process (``fmnist train``) into a scratch folder; inference is
timed here on the saved model. Every cost is also given in **S**, the training time of the
original project's recipe (``baseline``) in the same run: minutes describe one machine, multiples
of S carry over to others. Results go to ``bench/results/<date>-<host>.json``, ``.md`` and
``.png`` (validation accuracy against training time in S), and README's results table is
rendered from the newest results file.
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

from fmnist.config import PROJ_ROOT, SEED, card_path, history_path
from fmnist.errors import MissingFileError, UsageError
from fmnist.files import read_json, unused_stem, write_json
from fmnist.tools.readme import README, update_block
from fmnist.training.history import seconds_to_accuracy
from fmnist.training.recipes import DEFAULT_MODEL, LONG_MODEL

RESULTS_DIR = PROJ_ROOT / "bench" / "results"
README_BLOCK = "bench"
TARGET_VAL_ACCURACY = 0.91
LATENCY_CALLS = 200
THROUGHPUT_REPEATS = 3
#: The original project's recipe: its training time in a run is that run's unit of cost, S.
SEED_RECIPE = "baseline"
#: The TensorFlow classification tutorial's dense network, the peer most people start from.
TUTORIAL_RECIPE = "tutorial_dense"
#: The seeds the default is trained with, for the mean and spread of its numbers.
DEFAULT_SEEDS = (SEED, 1, 2)
#: The CPU flags that decide how fast training runs (vector width, bfloat16, AMX).
VECTOR_FLAGS = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
)

#: What a results file keeps of each training's history: enough for the time to 91% and the figure.
HISTORY_KEYS = ("epoch_seconds", "val_accuracy", "halfway_seconds", "halfway_val_accuracy")

HEADERS = (
    "model",
    "seed",
    "test accuracy",
    "Shirt recall",
    "training time",
    "time to 91% val.",
    "whole command",
    "epochs",
    "parameters",
    "inference (images/s)",
    "latency (1 image)",
)


def plan(long: bool = False, seeds: tuple[int, ...] = DEFAULT_SEEDS) -> list[tuple[str, int]]:
    """The ``(recipe, seed)`` runs of ``make bench``: the original project's recipe, the tutorial's
    dense network, the default with each seed, and with ``long`` the long recipe."""
    runs = [(SEED_RECIPE, SEED), (TUTORIAL_RECIPE, SEED), *((DEFAULT_MODEL, seed) for seed in seeds)]
    return runs + [(LONG_MODEL, SEED)] if long else runs


def run_benchmark(runs: list[tuple[str, int]]) -> Path:
    """Benchmark ``runs``, write the results files, print the table and regenerate README's; return the JSON path."""
    path = write_results(benchmark(runs))
    results = latest_results()
    print(f"\nWrote {path}\n\n{render_table(results)}")
    update_readme(results)
    return path


def benchmark(runs: list[tuple[str, int]]) -> dict:
    """Train and time every ``(recipe, seed)`` of ``runs``; return the results, costs in S included."""
    from fmnist.runtime import start_tensorflow

    environment = start_tensorflow()
    from fmnist.data import load

    if SEED_RECIPE not in {recipe for recipe, _ in runs}:
        raise UsageError(f"a benchmark needs {SEED_RECIPE!r}: its training time is the unit of cost, S")
    _, (x_test, y_test) = load()
    results = {
        "date": date.today().isoformat(),
        "host": platform.node(),
        "platform": platform.platform(),
        "environment": environment,
        "cpu": cpu_info(),
        "models": [],
    }
    for recipe, seed in runs:
        with tempfile.TemporaryDirectory() as scratch:
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "fmnist",
                    "train",
                    "--model",
                    recipe,
                    "--seed",
                    str(seed),
                    "--models-dir",
                    scratch,
                ],
                check=True,
            )
            command_seconds = time.perf_counter() - start
            card = read_json(card_path(recipe, scratch))
            history = read_json(history_path(recipe, scratch))
            speed = _inference_speed(recipe, Path(scratch), x_test)
            if recipe == DEFAULT_MODEL and "formats" not in results:
                results["formats"] = _export_speed(recipe, Path(scratch), x_test, y_test)
        results["models"].append(
            {
                "model": recipe,
                "seed": seed,
                "default": recipe == DEFAULT_MODEL,
                "test_accuracy": card["test_accuracy"],
                "shirt_recall": card["per_class_recall"]["Shirt"],
                "training_seconds": card["training_seconds"],
                "command_seconds": round(command_seconds, 1),
                "seconds_to_91_val": seconds_to_accuracy(history, TARGET_VAL_ACCURACY),
                "epochs": card["epochs"],
                "parameters": card["parameters"],
                "precision": card["precision"],
                "views": list(_views(recipe)),
                **speed,
                "history": {key: history[key] for key in HISTORY_KEYS if key in history},
            }
        )
    return with_costs_in_s(results)


def command_for(results: dict) -> str:
    """The command that makes a results file with the runs of ``results``."""
    runs = [(row["model"], row.get("seed", SEED)) for row in results["models"]]
    for long in (False, True):
        if runs == plan(long=long):
            return "make bench LONG=1" if long else "make bench"
    others = dict.fromkeys(name for name, _ in runs if name != SEED_RECIPE)
    return "fmnist bench " + " ".join(others)


def seed_seconds(results: dict) -> float:
    """S: the training seconds of the original project's recipe in ``results``."""
    rows = [row for row in results["models"] if row["model"] == SEED_RECIPE]
    if not rows:
        raise UsageError(f"no {SEED_RECIPE!r} row in the results: S is unknown")
    return rows[0]["training_seconds"]


def with_costs_in_s(results: dict) -> dict:
    """``results`` with each row's training time and time to 91% validation accuracy also in S."""
    unit = seed_seconds(results)
    for row in results["models"]:
        row["training_in_s"] = row["training_seconds"] / unit
        row["to_91_val_in_s"] = None if row["seconds_to_91_val"] is None else row["seconds_to_91_val"] / unit
    return results


def cpu_info() -> dict:
    """This CPU's model name and the vector extensions that decide training speed."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux
        return {"model": platform.processor() or "unknown", "vector_extensions": []}
    model = re.search(r"^model name\s*:\s*(.+)$", text, flags=re.M)
    flags = set(re.search(r"^flags\s*:\s*(.+)$", text, flags=re.M).group(1).split())
    return {
        "model": model.group(1).strip() if model else "unknown",
        "vector_extensions": [f for f in VECTOR_FLAGS if f in flags],
    }


def _views(recipe: str) -> tuple[str, ...]:
    from fmnist.inference.views import views_of

    return views_of(recipe)


def _inference_speed(name: str, models_dir: Path, x_test: np.ndarray) -> dict:
    """Median batch throughput on the test set, and median latency of one image, through the inference model."""
    import tensorflow as tf

    from fmnist.inference.trained_model import TrainedModel
    from fmnist.inference.views import PREDICT_BATCH_SIZE

    model = TrainedModel.saved(name, models_dir).inference_model()
    model.predict(x_test[:2048], batch_size=PREDICT_BATCH_SIZE, verbose=0)  # warm-up: tracing, thread pools
    durations = []
    for _ in range(THROUGHPUT_REPEATS):
        start = time.perf_counter()
        model.predict(x_test, batch_size=PREDICT_BATCH_SIZE, verbose=0)
        durations.append(time.perf_counter() - start)
    one = tf.constant(x_test[:1])
    serve = tf.function(lambda images: model(images, training=False))  # traced once, as an exported model is
    serve(one)
    latencies = []
    for _ in range(LATENCY_CALLS):
        start = time.perf_counter()
        serve(one).numpy()
        latencies.append(time.perf_counter() - start)
    return {
        "images_per_second": len(x_test) / float(np.median(durations)),
        "latency_ms": 1000 * float(np.median(latencies)),
    }


def _export_speed(name: str, models_dir: Path, x_test: np.ndarray, y_test: np.ndarray) -> list[dict]:
    """File size, test accuracy, batch throughput and one-image latency of each exported format."""
    from fmnist.inference.export import saved_model_predictor, tflite_predictor
    from fmnist.inference.trained_model import TrainedModel

    paths = TrainedModel.saved(name, models_dir).export(models_dir / "exported")
    rows = []
    for kind, load in (
        ("saved_model", saved_model_predictor),
        ("float32", tflite_predictor),
        ("int8", tflite_predictor),
    ):
        path = paths[kind]
        size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir() else path.stat().st_size
        run = load(path)
        run(x_test[:1])  # warm-up
        start = time.perf_counter()
        probs = run(x_test)
        batch_seconds = time.perf_counter() - start
        latencies = []
        for _ in range(LATENCY_CALLS):
            start = time.perf_counter()
            run(x_test[:1])
            latencies.append(time.perf_counter() - start)
        rows.append(
            {
                "format": kind,
                "bytes": size,
                "test_accuracy": float(np.mean(probs.argmax(axis=1) == y_test)),
                "images_per_second": len(x_test) / batch_seconds,
                "latency_ms": 1000 * float(np.median(latencies)),
            }
        )
    return rows


def write_results(results: dict, directory: Path = RESULTS_DIR) -> Path:
    """Save ``results`` as ``<date>-<host>.json``, ``.md`` and ``.png`` in ``directory``; return the JSON path.

    A second run on the same day and machine is saved as ``<date>-<host>-run2`` (and so on):
    nothing already written is overwritten.
    """
    directory = Path(directory)
    stem = unused_stem(directory, _stem(results), ".json")
    results = {**results, "stem": stem}
    path = directory / f"{stem}.json"
    write_json(path, results)
    (directory / f"{stem}.md").write_text(render_table(results) + "\n", encoding="utf-8")
    _save_curves(results, directory / f"{stem}.png")
    return path


def latest_results(directory: Path = RESULTS_DIR) -> dict:
    """The newest results file: by the date in its name, then by its run number that day."""
    files = sorted(Path(directory).glob("*.json"), key=_run_order)
    if not files:
        raise MissingFileError(f"{directory}: no benchmark results yet; run `make bench`")
    return json.loads(files[-1].read_text(encoding="utf-8"))


def _run_order(path: Path) -> tuple[str, int, str]:
    base, _, run = path.stem.rpartition("-run")
    return path.stem[:10], int(run) if base and run.isdigit() else 1, path.stem


def render_table(results: dict) -> str:
    """Markdown table of ``results`` (costs in seconds and in S), the default's mean and spread over its
    seeds, and the machine under it."""
    unit = seed_seconds(results)
    lines = ["| " + " | ".join(HEADERS) + " |", "| --- | ---: |" + " ---: |" * (len(HEADERS) - 2)]
    for row in results["models"]:
        name = f"**{row['model']}**" if row.get("default") else row["model"]
        to_91 = row["seconds_to_91_val"]
        cells = [
            name,
            str(row.get("seed", "")),
            f"{row['test_accuracy']:.2%}",
            f"{row['shirt_recall']:.1%}",
            f"{row['training_seconds']:.0f} s = {row['training_seconds'] / unit:.2f} S",
            "n/a" if to_91 is None else f"{to_91:.0f} s = {to_91 / unit:.2f} S",
            f"{row['command_seconds']:.0f} s",
            str(row["epochs"]),
            f"{row['parameters']:,}",
            f"{row['images_per_second']:,.0f}",
            f"{row['latency_ms']:.1f} ms",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    defaults = [row for row in results["models"] if row.get("default")]
    if len(defaults) > 1:
        accuracy = 100 * np.array([row["test_accuracy"] for row in defaults])
        shirt = 100 * np.array([row["shirt_recall"] for row in defaults])
        lines.append(
            f"The default over {len(defaults)} seeds: test accuracy {accuracy.mean():.2f}% ± {accuracy.std(ddof=1):.2f}, "
            f"Shirt recall {shirt.mean():.1f}% ± {shirt.std(ddof=1):.1f} (mean ± standard deviation)."
        )
        lines.append("")
    if results.get("formats"):
        lines += [
            "| exported default | file size | test accuracy | inference (images/s) | latency (1 image) |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {row['format']} | {row['bytes'] / 1e6:.1f} MB | {row['test_accuracy']:.2%} | {row['images_per_second']:,.0f} "
            f"| {row['latency_ms']:.1f} ms |"
            for row in results["formats"]
        ]
        lines.append("")
    cpu = results.get("cpu")
    machine = f"{cpu['model']} with {', '.join(cpu['vector_extensions'])}; " if cpu else ""
    lines.append(
        f"Made by `{command_for(results)}`. S = {unit:.0f} s, the training time of the original project's recipe in "
        f"this run. Measured on "
        f"{results['date']} on `{results['host']}` ({machine}{results['platform']}; {results['environment']})."
    )
    return "\n".join(lines)


def _save_curves(results: dict, path: Path) -> None:
    import matplotlib.pyplot as plt

    from fmnist.analysis.plots import accuracy_over_time, save_fig

    histories = {f"{row['model']} (seed {row['seed']})": row["history"] for row in results["models"]}
    fig = accuracy_over_time(histories, target=TARGET_VAL_ACCURACY, s_seconds=seed_seconds(results))
    save_fig(path.stem, fig, path.parent)
    plt.close(fig)


def readme_text(results: dict, directory: Path = RESULTS_DIR) -> str:
    """README's benchmark block: the table of ``results``, and its figure when there is one."""
    figure = Path(directory) / f"{results.get('stem') or _stem(results)}.png"
    if not figure.is_file():
        return render_table(results)
    link = figure.relative_to(PROJ_ROOT) if figure.is_relative_to(PROJ_ROOT) else figure
    return f"{render_table(results)}\n\n![Validation accuracy against training time in S]({link.as_posix()})"


def update_readme(results: dict, readme: Path = README, directory: Path = RESULTS_DIR) -> None:
    """Replace README's benchmark block with the table (and figure) of ``results``."""
    update_block(README_BLOCK, readme_text(results, directory), readme)


def _stem(results: dict) -> str:
    return f"{results['date']}-{re.sub(r'[^A-Za-z0-9_.-]', '_', results['host'])}"
