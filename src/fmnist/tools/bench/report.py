"""The benchmark's table and figure, and README's block rendered from the newest results file."""

import re
from pathlib import Path

import numpy as np

from fmnist.config import PROJ_ROOT
from fmnist.markdown import table
from fmnist.tools.bench.costs import SEED_RECIPE, how_s_was_taken, seed_seconds
from fmnist.tools.bench.machine import ISA_LIMIT_ENV_VAR
from fmnist.tools.bench.results import RESULTS_DIR, stem_of
from fmnist.tools.bench.runs import TARGET_VAL_ACCURACY, command_for
from fmnist.tools.readme import README, update_block

README_BLOCK = "bench"
#: README's first numbers: the default's accuracy and training minutes in plain words.
HEADLINE_BLOCK = "headline"
PRECISION_WORDS = {
    "float32": "float32, as on any CPU",
    "mixed_bfloat16": "mixed bfloat16, which this CPU computes natively (one without bfloat16 trains in float32, slower)",
    "mixed_float16": "mixed float16",
}
HEADERS = (
    "model",
    "seed",
    "precision",
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
FORMAT_HEADERS = ("exported default", "file size", "test accuracy", "inference (images/s)", "latency (1 image)")


def render_table(results: dict) -> str:
    """Markdown table of ``results`` (costs in seconds and in S, the precision each row trained in), the
    default's mean and spread over its seeds, and the machine under it."""
    unit = seed_seconds(results)
    parts = [table(HEADERS, (_cells(row, unit) for row in results["models"]), left=3)]
    defaults = [row for row in results["models"] if row.get("default")]
    if len(defaults) > 1:
        accuracy = 100 * np.array([row["test_accuracy"] for row in defaults])
        shirt = 100 * np.array([row["shirt_recall"] for row in defaults])
        parts.append(
            f"The default over {len(defaults)} seeds: test accuracy {accuracy.mean():.2f}% ± {accuracy.std(ddof=1):.2f}, "
            f"Shirt recall {shirt.mean():.1f}% ± {shirt.std(ddof=1):.1f} (mean ± standard deviation)."
        )
    if results.get("formats"):
        rows = (
            [
                row["format"],
                f"{row['bytes'] / 1e6:.1f} MB",
                f"{row['test_accuracy']:.2%}",
                f"{row['images_per_second']:,.0f}",
                f"{row['latency_ms']:.1f} ms",
            ]
            for row in results["formats"]
        )
        parts.append(table(FORMAT_HEADERS, rows))
    cpu = results.get("cpu")
    machine = f"{cpu['model']} with {', '.join(cpu['vector_extensions'])}{_limit(cpu)}; " if cpu else ""
    parts.append(
        f"Made by `{command_for(results)}`. S = {unit:.0f} s, the training time of the original project's recipe in "
        f"this run{how_s_was_taken(results)}, in float32. Measured on "
        f"{results['date']} on `{results['host']}` ({machine}{results['platform']}; {results['environment']})."
    )
    return "\n\n".join(parts)


def _limit(cpu: dict) -> str:
    """How a results file's CPU was limited, in words: ", its kernels limited to AVX2", or nothing."""
    return f", its kernels limited to {cpu['isa_limit']} ({ISA_LIMIT_ENV_VAR})" if cpu.get("isa_limit") else ""


def _cells(row: dict, unit: float) -> list[str]:
    to_91 = row["seconds_to_91_val"]
    return [
        f"**{row['model']}**" if row.get("default") else row["model"],
        str(row.get("seed", "")),
        row.get("precision", ""),
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


def save_curves(results: dict, path: Path) -> None:
    """Validation accuracy against training time in S, one line per run, saved as ``path``."""
    import matplotlib.pyplot as plt

    from fmnist.analysis.plots import accuracy_over_time, save_fig

    histories = {}
    for row in results["models"]:
        name = f"{row['model']} (seed {row['seed']})"
        histories[f"{name}, again" if name in histories else name] = row["history"]
    fig = accuracy_over_time(histories, target=TARGET_VAL_ACCURACY, s_seconds=seed_seconds(results))
    save_fig(path.stem, fig, path.parent)
    plt.close(fig)


def readme_text(results: dict, directory: Path = RESULTS_DIR) -> str:
    """README's benchmark block: the table of ``results``, and its figure when there is one."""
    figure = Path(directory) / f"{results.get('stem') or stem_of(results)}.png"
    if not figure.is_file():
        return render_table(results)
    link = figure.relative_to(PROJ_ROOT) if figure.is_relative_to(PROJ_ROOT) else figure
    return f"{render_table(results)}\n\n![Validation accuracy against training time in S]({link.as_posix()})"


def headline(results: dict) -> str:
    """The default's test accuracy and training time in ``results``, in plain words, with S explained."""
    defaults = [row for row in results["models"] if row.get("default")]
    baseline = next(row for row in results["models"] if row["model"] == SEED_RECIPE)
    accuracy = np.mean([row["test_accuracy"] for row in defaults])
    shirt = np.mean([row["shirt_recall"] for row in defaults])
    minutes = np.mean([row["training_seconds"] for row in defaults]) / 60
    precisions = sorted({row.get("precision", "") for row in defaults})
    seeds = f"the mean of {len(defaults)} seeds" if len(defaults) > 1 else "one seed"
    cpu = results.get("cpu", {}).get("model", "this CPU")
    cores = re.search(r"\((\d+) cores\)", results.get("environment", ""))
    cpu = f"{cores.group(1)} cores of an {cpu}" if cores else f"an {cpu}"
    cpu += _limit(results.get("cpu", {}))
    return (
        f"**The default model, `{defaults[0]['model']}`, classifies {accuracy:.2%} of the test images right** "
        f"({seeds}; Shirt, the hardest class, {shirt:.1%}) **after {minutes:.1f} minutes of training** on "
        f"`{results['host']}`, {cpu}, in {' and '.join(PRECISION_WORDS.get(p, p) for p in precisions)}. The original project's CNN "
        f"reaches {baseline['test_accuracy']:.2%} in {seed_seconds(results) / 60:.1f} minutes there. Training "
        f"costs below are also given in **S**, that CNN's training time in the same run ({seed_seconds(results):.0f} s "
        f"there{how_s_was_taken(results)}), so that they carry over to other machines."
    )


def update_readme(results: dict, readme: Path = README, directory: Path = RESULTS_DIR) -> None:
    """Replace README's headline and benchmark block with those of ``results``."""
    update_block(README_BLOCK, readme_text(results, directory), readme)
    update_block(HEADLINE_BLOCK, headline(results), readme)
