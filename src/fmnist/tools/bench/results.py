"""The results files in ``bench/results/``: ``<date>-<host>.json`` with its ``.md`` table and ``.png`` figure."""

import json
import re
from pathlib import Path

from fmnist.config import PROJ_ROOT
from fmnist.errors import MissingFileError
from fmnist.files import unused_stem, write_json

RESULTS_DIR = PROJ_ROOT / "bench" / "results"


def write_results(results: dict, directory: Path = RESULTS_DIR) -> Path:
    """Save ``results`` as ``<date>-<host>.json``, ``.md`` and ``.png`` in ``directory``; return the JSON path.

    A second run on the same day and machine is saved as ``<date>-<host>-run2`` (and so on):
    nothing already written is overwritten.
    """
    from fmnist.tools.bench.report import render_table, save_curves

    directory = Path(directory)
    stem = unused_stem(directory, stem_of(results), ".json")
    results = {**results, "stem": stem}
    path = directory / f"{stem}.json"
    write_json(path, results)
    (directory / f"{stem}.md").write_text(render_table(results) + "\n", encoding="utf-8")
    save_curves(results, directory / f"{stem}.png")
    return path


def latest_results(directory: Path = RESULTS_DIR) -> dict:
    """The newest results file that measured the default, as `make bench` does: by the date in its
    name, then by its run number that day. Files of other recipes alone (``fmnist bench RECIPE``) are passed over."""
    for path in sorted(Path(directory).glob("*.json"), key=_run_order, reverse=True):
        results = json.loads(path.read_text(encoding="utf-8"))
        if any(row.get("default") for row in results["models"]):
            return results
    raise MissingFileError(f"{directory}: no benchmark of the default yet; run `make bench`")


def stem_of(results: dict) -> str:
    """The file name, without suffix, of a first run on that day and host: ``<date>-<host>``."""
    return f"{results['date']}-{re.sub(r'[^A-Za-z0-9_.-]', '_', results['host'])}"


def _run_order(path: Path) -> tuple[str, int, str]:
    base, _, run = path.stem.rpartition("-run")
    return path.stem[:10], int(run) if base and run.isdigit() else 1, path.stem
