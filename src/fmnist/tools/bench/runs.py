"""What ``make bench`` runs and how: each recipe trains in a fresh process (``fmnist train``) into a
scratch folder, in the precision asked for, and is then timed here on its saved model."""

import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from fmnist.config import SEED, card_path, history_path
from fmnist.errors import UsageError
from fmnist.files import read_json
from fmnist.runtime import PRECISION_ENV_VAR, PRECISIONS
from fmnist.tools.bench.costs import SEED_RECIPE, with_costs_in_s
from fmnist.tools.bench.machine import ISA_LIMIT_ENV_VAR, cpu_info
from fmnist.tools.bench.timing import export_speed, inference_speed
from fmnist.training.history import seconds_to_accuracy
from fmnist.training.recipes import DEFAULT_MODEL, LONG_MODEL

#: The peer the default is compared with: the TensorFlow tutorial's dense network.
TUTORIAL_RECIPE = "tutorial_dense"
#: The default's seeds: its mean and spread are over these.
DEFAULT_SEEDS = (SEED, 1, 2)
TARGET_VAL_ACCURACY = 0.91
#: ``--precision`` choices: a Keras dtype policy for every recipe that trains in a fast precision, or
#: ``fast``, whatever this device computes fastest (bfloat16 on a CPU that has it). S is always float32.
PRECISION_CHOICES = (*PRECISIONS, "fast")
#: What a results file keeps of each training's history: enough for the time to 91% and the figure.
HISTORY_KEYS = ("epoch_seconds", "val_accuracy", "halfway_seconds", "halfway_val_accuracy")


def plan(long: bool = False, seeds: tuple[int, ...] = DEFAULT_SEEDS) -> list[tuple[str, int]]:
    """The ``(recipe, seed)`` runs of ``make bench``: the tutorial's dense network, the default with
    each seed and with ``long`` the long recipe, between two trainings of the original project's recipe."""
    runs = [(TUTORIAL_RECIPE, SEED), *((DEFAULT_MODEL, seed) for seed in seeds)]
    return bracketed(runs + [(LONG_MODEL, SEED)] if long else runs)


def bracketed(runs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """``runs`` with the original project's recipe trained first and last: S, the mean of the two, then
    spans whatever the machine's speed does over the run (a shared machine's drifts by a third in an hour)."""
    unit = (SEED_RECIPE, SEED)
    return [unit, *(run for run in runs if run[0] != SEED_RECIPE), unit]


def command_for(results: dict) -> str:
    """The command that makes a results file with the runs and precision of ``results``."""
    # Where the original recipe trained (first, or first and last as now) does not change the command.
    runs = [(row["model"], row.get("seed", SEED)) for row in results["models"] if row["model"] != SEED_RECIPE]
    precision = results.get("precision", "fast")
    limit = results.get("cpu", {}).get("isa_limit")
    prefix = f"{ISA_LIMIT_ENV_VAR}={limit} " if limit else ""
    for long in (False, True):
        if runs == [run for run in plan(long=long) if run[0] != SEED_RECIPE]:
            command = "make bench LONG=1" if long else "make bench"
            return prefix + (command if precision == "float32" else f"{command} PRECISION={precision}")
    others = dict.fromkeys(name for name, _ in runs)
    return f"{prefix}fmnist bench --precision {precision} " + " ".join(others)


def run_benchmark(runs: list[tuple[str, int]], precision: str = "float32") -> Path:
    """Benchmark ``runs``, write the results files and print the table; return the JSON path.

    README's table and headline follow the newest benchmark of the default: a run of other recipes
    alone leaves them as they are.
    """
    from fmnist.tools.bench.report import render_table, update_readme
    from fmnist.tools.bench.results import latest_results, write_results

    results = benchmark(runs, precision)
    path = write_results(results)
    print(f"\nWrote {path}\n\n{render_table(results)}")
    update_readme(latest_results())
    return path


def benchmark(runs: list[tuple[str, int]], precision: str = "float32") -> dict:
    """Train and time every ``(recipe, seed)`` of ``runs`` in ``precision``; return the results, costs in S included."""
    from fmnist.runtime import start_tensorflow

    environment = start_tensorflow()
    from fmnist.data import load

    if SEED_RECIPE not in {recipe for recipe, _ in runs}:
        raise UsageError(f"a benchmark needs {SEED_RECIPE!r}: its training time is the unit of cost, S")
    if precision not in PRECISION_CHOICES:
        raise UsageError(f"precision {precision!r}: one of {', '.join(PRECISION_CHOICES)}")
    env = {key: value for key, value in os.environ.items() if key != PRECISION_ENV_VAR}
    if precision != "fast":
        env[PRECISION_ENV_VAR] = precision
    _, (x_test, y_test) = load()
    results = {
        "date": date.today().isoformat(),
        "host": platform.node(),
        "platform": platform.platform(),
        "environment": environment,
        "cpu": cpu_info(),
        "precision": precision,
        "models": [],
    }
    for recipe, seed in runs:
        with tempfile.TemporaryDirectory() as scratch:
            start = time.perf_counter()
            command = [sys.executable, "-m", "fmnist", "train", "--model", recipe, "--seed", str(seed)]
            subprocess.run([*command, "--models-dir", scratch], check=True, env=env)
            command_seconds = time.perf_counter() - start
            card = read_json(card_path(recipe, scratch))
            history = read_json(history_path(recipe, scratch))
            speed = inference_speed(recipe, Path(scratch), x_test)
            if recipe == DEFAULT_MODEL and "formats" not in results:
                results["formats"] = export_speed(recipe, Path(scratch), x_test, y_test)
        results["models"].append(_row(recipe, seed, card, history, command_seconds) | speed)
    return with_costs_in_s(results)


def _row(recipe: str, seed: int, card: dict, history: dict, command_seconds: float) -> dict:
    from fmnist.inference.views import views_of

    return {
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
        "views": list(views_of(recipe)),
        "history": {key: history[key] for key in HISTORY_KEYS if key in history},
    }
