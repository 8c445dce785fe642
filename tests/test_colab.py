"""The notebooks' Colab cells: present in every notebook, in sync with REPO_URL, and working."""

import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from fmnist import config
from fmnist.tools import notebook_cells as colab

NOTEBOOKS = sorted(colab.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def test_the_series_is_complete():
    assert [p.name for p in NOTEBOOKS] == [
        "01_explore.ipynb",
        "02_train.ipynb",
        "03_evaluate.ipynb",
        "04_error_analysis.ipynb",
        "05_improvements.ipynb",
        "06_predict.ipynb",
        "07_robustness.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_opens_with_title_badges_and_setup(path):
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    tagged = {tag: cell.source for cell in cells for tag in cell.metadata.get("tags", [])}
    assert tagged == colab.expected_cells(path), "run `make notebooks-sync`"
    assert f"notebooks/{path.name}" in tagged[colab.BADGES_TAG]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_outputs_come_from_a_clean_full_run(path):
    """`make run` executed every cell in order, in the full profile, without errors."""
    code = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert not [out for cell in code for out in cell.outputs if out.output_type == "error"]
    printed = "".join(out.get("text", "") for cell in code for out in cell.outputs)
    assert "Run profile: full" in printed


def _run_setup_cell(monkeypatch, in_colab: bool = False, checkout_exists: bool = False, in_kaggle: bool = False):
    commands = []
    checkouts = (colab.COLAB_CHECKOUT, colab.KAGGLE_CHECKOUT)
    monkeypatch.setattr(subprocess, "run", lambda cmd, check: commands.append(cmd))
    monkeypatch.setattr(Path, "exists", lambda self: checkout_exists if str(self) in checkouts else False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    if in_colab:
        monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    else:
        monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    if in_kaggle:
        monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    else:
        monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE", raising=False)
    namespace = {}
    exec(colab.setup_cell(), namespace)
    return namespace["IS_COLAB"] or namespace["IS_KAGGLE"], commands


def test_setup_cell_does_nothing_locally(monkeypatch):
    is_colab, commands = _run_setup_cell(monkeypatch, in_colab=False)
    assert is_colab is False and commands == []


@pytest.mark.parametrize("service", ["colab", "kaggle"])
def test_setup_cell_clones_and_installs_in_colab_and_kaggle(monkeypatch, service):
    checkout = colab.COLAB_CHECKOUT if service == "colab" else colab.KAGGLE_CHECKOUT
    in_notebook_service, commands = _run_setup_cell(
        monkeypatch, in_colab=service == "colab", in_kaggle=service == "kaggle"
    )
    assert in_notebook_service is True
    assert commands == [
        ["git", "clone", "--depth", "1", config.REPO_URL, checkout],
        [sys.executable, "-m", "pip", "install", "--quiet", "-e", checkout],
    ]
    assert sys.path[0] == f"{checkout}/src"


def test_setup_cell_rerun_in_colab_does_not_clone_again(monkeypatch):
    _, commands = _run_setup_cell(monkeypatch, in_colab=True, checkout_exists=True)
    assert [cmd[0] for cmd in commands] == [sys.executable]


def test_setup_cell_says_what_to_switch_to_without_tensorflow(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)  # a TPU runtime: no TensorFlow
    with pytest.raises(SystemExit, match="no TensorFlow .* switch to a CPU or GPU runtime"):
        _run_setup_cell(monkeypatch, in_colab=True)
    assert _run_setup_cell(monkeypatch) == (False, [])  # locally it does not even look


def test_badges_point_at_colab_kaggle_and_github():
    badges = colab.badges_cell("02_train.ipynb", "https://github.com/someone/fork")
    assert "https://colab.research.google.com/github/someone/fork/blob/main/notebooks/02_train.ipynb" in badges
    assert (
        "https://kaggle.com/kernels/welcome?src=https://github.com/someone/fork/blob/main/notebooks/02_train.ipynb"
        in badges
    )
    assert "https://github.com/someone/fork/blob/main/notebooks/02_train.ipynb" in badges


def test_readme_badges_open_each_notebook_in_colab_and_kaggle(tmp_path):
    readme = config.PROJ_ROOT / "README.md"
    for path in NOTEBOOKS:
        assert colab.open_badges(path.name) in readme.read_text(), "run `make notebooks-sync`"
    stale = tmp_path / "README.md"
    stale.write_text("| [01_explore](notebooks/01_explore.ipynb) | What? | [old](badge) |\n")
    assert colab.sync_readme(stale) is True
    assert (
        stale.read_text()
        == f"| [01_explore](notebooks/01_explore.ipynb) | What? | {colab.open_badges('01_explore.ipynb')} |\n"
    )
    assert colab.sync_readme(stale) is False


def test_sync_rewrites_stale_cells(tmp_path):
    path = tmp_path / "05_demo.ipynb"
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("old badges", metadata={"tags": [colab.BADGES_TAG]}),
            nbformat.v4.new_code_cell("old setup", metadata={"tags": [colab.SETUP_TAG]}),
            nbformat.v4.new_code_cell("print('untouched')"),
        ]
    )
    nbformat.write(notebook, path)
    assert colab.sync(path, "https://github.com/someone/fork") is True
    cells = nbformat.read(path, as_version=4).cells
    assert "someone/fork/blob/main/notebooks/05_demo.ipynb" in cells[0].source
    assert cells[1].source == colab.setup_cell("https://github.com/someone/fork")
    assert cells[2].source == "print('untouched')"
    assert colab.sync(path, "https://github.com/someone/fork") is False
