"""`fmnist regenerate` on a scratch project: content decides what is rebuilt, and a changed model
rebuilds exactly what is derived from it."""

import nbformat
import numpy as np
import pytest

from fmnist.analysis import experiments, renders, robustness
from fmnist.analysis.experiments import Experiment
from fmnist.analysis.label_noise import save_probs
from fmnist.config import card_path, weights_path
from fmnist.files import write_json
from fmnist.inference.model_files import save_weights, sha256
from fmnist.tools import regenerate
from fmnist.tools.readme import block
from fmnist.tools.regenerate import Project, code_digest, imported_modules, stamp
from fmnist.training.recipes import describe, get_recipe, settings


def _save_model(models_dir, name, seed):
    """Untrained weights of recipe ``name`` from ``seed``, with a card as `fmnist train` writes one."""
    import keras

    keras.utils.set_random_seed(seed)
    recipe = get_recipe(name)
    sha = save_weights(recipe.build(), name, weights_path(name, models_dir))
    write_json(
        card_path(name, models_dir),
        {
            "model": name,
            "recipe_name": name,
            "seed": 42,
            "training_seconds": 60.0,
            "weights_sha256": sha,
            "architecture": describe(recipe.build),
            "recipe": settings(recipe),
        },
    )


def _notebook(path, code):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# A notebook"), nbformat.v4.new_code_cell(code)]
    nbformat.write(notebook, path)


@pytest.fixture
def project(tmp_path, idx_dir, monkeypatch):
    """Two committed models with their records, a notebook that reads no model and one that reads them."""
    models_dir = tmp_path / "models"
    project = Project(
        notebooks_dir=tmp_path / "notebooks",
        models_dir=models_dir,
        experiments_dir=models_dir / "experiments",
        photos_dir=tmp_path / "photos",
        readme=tmp_path / "README.md",
        data=idx_dir,
    )
    for directory in (project.notebooks_dir, project.experiments_dir, project.photos_dir):
        directory.mkdir(parents=True)
    monkeypatch.setattr(
        experiments,
        "EXPERIMENTS",
        {
            "baseline": Experiment("baseline", "the original CNN"),
            "fast_cnn": Experiment("fast_cnn", "the default"),
        },
    )
    monkeypatch.setattr(robustness, "MODELS", {"baseline": ("baseline",), "fast_cnn": ("fast_cnn",)})
    monkeypatch.setattr(renders, "SAMPLES", {0: "plain", 1: "soft shadow"})
    monkeypatch.setattr(regenerate, "TRAINS", {})
    monkeypatch.setattr(regenerate, "TRAINED_HERE", ())
    monkeypatch.setattr(regenerate, "READS_NO_MODEL", ("01_explore",))
    _save_model(models_dir, "baseline", seed=1)
    _save_model(models_dir, "fast_cnn", seed=2)
    save_probs(project.experiments_dir / experiments.OOF_PATH.name, np.full((30, 10), 0.1, dtype=np.float32))
    _notebook(
        project.notebooks_dir / "01_explore.ipynb", "from fmnist.config import CLASS_NAMES\nprint(len(CLASS_NAMES))"
    )
    cards = "\n".join(
        f"print(json.load(open({str(card_path(name, models_dir))!r}))['weights_sha256'])"
        for name in ("baseline", "fast_cnn")
    )
    _notebook(project.notebooks_dir / "03_evaluate.ipynb", f"import json\n{cards}")
    project.readme.write_text(
        block(experiments.README_BLOCK, "old table") + "\n" + block(robustness.README_BLOCK, "old table") + "\n"
    )
    return project


def _files(project):
    return {path: path.read_bytes() for path in sorted(project.models_dir.parent.rglob("*")) if path.is_file()}


@pytest.mark.slow
def test_a_changed_model_rebuilds_exactly_what_is_derived_from_it(project):
    first = regenerate.regenerate(project=project, log=lambda _: None)
    assert first == [
        "execute 01_explore.ipynb",
        "record baseline",
        "record fast_cnn",
        "record baseline on corrupted test images",
        "record fast_cnn on corrupted test images",
        "sample photos",
        "execute 03_evaluate.ipynb",
        "README's answers table",
        "README's robustness table",
    ]
    names = sorted(path.name for path in project.photos_dir.iterdir())
    assert len(names) == 2 and names[0].endswith("-0-plain.jpg") and names[1].endswith("-1-soft-shadow.jpg")
    before = _files(project)
    assert regenerate.regenerate(project=project, log=lambda _: None) == []  # up to date: nothing runs
    assert regenerate.plan(project=project) == []
    assert _files(project) == before  # and nothing is rewritten

    _save_model(project.models_dir, "baseline", seed=3)  # "retrained on another machine": other weights
    assert [step.name for step in regenerate.plan(project=project)] == [
        "record baseline",
        "record baseline on corrupted test images",
        "execute 03_evaluate.ipynb",
    ]
    regenerate.regenerate(project=project, log=lambda _: None)
    after = _files(project)
    changed = {
        path.relative_to(project.models_dir.parent).as_posix() for path in after if after[path] != before.get(path)
    }
    derived = {
        "models/baseline.weights.h5",
        "models/baseline.card.json",
        "models/experiments/baseline.test_probs.npz",
        "models/experiments/baseline.corrupted.npz",
        "notebooks/03_evaluate.ipynb",
    }
    assert derived - {"README.md"} <= changed <= derived | {"README.md"}  # the table changes only if the scores do
    assert experiments.is_current("baseline", project.experiments_dir, project.models_dir)
    outputs = nbformat.read(project.notebooks_dir / "03_evaluate.ipynb", as_version=4).cells[1].outputs
    printed = "".join(output.text for output in outputs).split()
    assert printed == [sha256(weights_path(name, project.models_dir)) for name in ("baseline", "fast_cnn")]


def test_a_notebook_stamp_follows_its_code_and_the_package_code_it_imports(tmp_path):
    path = tmp_path / "01_explore.ipynb"
    _notebook(path, "from fmnist.analysis import plots\n%matplotlib inline")
    assert {"fmnist", "fmnist.analysis.plots", "fmnist.config", "fmnist.training.history"} <= imported_modules(
        "from fmnist.analysis import plots"
    )
    assert "fmnist.training.train" not in imported_modules("from fmnist.analysis import plots")
    first = stamp(path, tmp_path / "models", tmp_path / "photos")
    assert stamp(path, tmp_path / "models", tmp_path / "photos") == first
    _notebook(path, "from fmnist.analysis import plots\nprint(1)")
    assert stamp(path, tmp_path / "models", tmp_path / "photos") != first


def test_a_docstring_or_comment_changes_no_stamp(tmp_path):
    module = tmp_path / "module.py"
    module.write_text('"""Doc."""\n\ndef f():\n    """Doc."""\n    return 1  # one\n')
    first = code_digest(module)
    module.write_text(
        '"""Other\n doc."""\n\n\ndef f():\n    """Other."""\n    # a note\n    return 1  # the number one\n'
    )
    assert code_digest(module) == first
    module.write_text('"""Doc."""\n\ndef f():\n    return 2\n')
    assert code_digest(module) != first


@pytest.mark.slow
def test_a_failing_notebook_is_left_as_it_was(tmp_path):
    path = tmp_path / "01_explore.ipynb"
    _notebook(path, "raise RuntimeError('broken data')")
    before = path.read_bytes()
    with pytest.raises(regenerate.NotebookError, match=r"01_explore.ipynb: a cell failed(.|\n)*broken data"):
        regenerate.execute(path, log=lambda _: None)
    assert path.read_bytes() == before


def test_a_notebook_runs_in_a_kernel_that_puts_no_warning_on_the_terminal(tmp_path, capfd):
    path = tmp_path / "quiet.ipynb"
    _notebook(path, "print(6 * 7)")
    regenerate.execute(path, log=lambda _: None)
    assert nbformat.read(path, as_version=4).cells[1].outputs[0]["text"] == "42\n"
    assert "WARNING" not in capfd.readouterr().err  # e.g. ipykernel's "running over TCP without encryption"


def test_what_a_cell_prints_is_logged_as_it_arrives(tmp_path):
    path = tmp_path / "epochs.ipynb"
    _notebook(path, "for epoch in (1, 2):\n    print(f'Epoch {epoch}/2')")
    lines = []
    regenerate.execute(path, log=lines.append)
    assert lines[:2] == ["epochs: Epoch 1/2", "epochs: Epoch 2/2"] and lines[2].startswith("epochs: cell 1/1 done")


def test_the_smoke_profile_runs_the_series_into_a_scratch_folder_and_rewrites_nothing(tmp_path):
    series = tmp_path / "notebooks"
    series.mkdir()
    _notebook(series / "01_first.ipynb", "import os\nprint(os.environ['FMNIST_PROFILE'])")
    _notebook(series / "02_second.ipynb", "print('second')")
    before = {path.name: path.read_bytes() for path in series.iterdir()}
    copies = regenerate.run_smoke(tmp_path / "out", regenerate.Project(notebooks_dir=series), log=lambda line: None)
    assert [path.name for path in copies] == ["01_first.ipynb", "02_second.ipynb"]
    assert {path.name: path.read_bytes() for path in series.iterdir()} == before
    first = nbformat.read(copies[0], as_version=4)
    assert first.cells[1].outputs[0].text == "smoke\n" and regenerate.STAMP_KEY not in first.metadata
