"""Experiment runs for 05_improvements: recording test predictions, then tables from the records."""

from dataclasses import replace

import numpy as np
import pytest

from fmnist.analysis import experiments
from fmnist.analysis.experiments import (
    ENSEMBLE,
    Experiment,
    comparison,
    is_current,
    probs_path,
    record,
    recorded_probs,
    score,
)
from fmnist.config import card_path, weights_path
from fmnist.files import read_json, write_json
from fmnist.inference.model_files import save_weights, sha256
from fmnist.training import recipes
from fmnist.training.builders import build_baseline_cnn
from fmnist.training.recipes import describe, fingerprint, get_recipe, settings


def _record(directory, name, plain, mirrored, seconds=60.0):
    """Record predictions from the image alone (``plain``) and averaged with its mirror image."""
    directory.mkdir(parents=True, exist_ok=True)
    flips = (plain + mirrored) / 2
    np.savez_compressed(probs_path(name, directory), recipe=flips, flips=flips, none=plain, training_seconds=seconds)


def _one_hot(classes):
    return np.eye(10, dtype=np.float32)[classes]


def test_score_reports_accuracy_and_hard_class_recall():
    labels = np.array([6, 6, 0, 2, 4, 9])
    predicted = np.array([6, 0, 0, 2, 2, 9])
    row = score(_one_hot(predicted), labels)
    assert row == {
        "test accuracy": pytest.approx(4 / 6),
        "Shirt recall": 0.5,
        "T-shirt/top recall": 1.0,
        "Pullover recall": 1.0,
        "Coat recall": 0.0,
    }


def test_comparison_derives_the_tta_ablation_and_the_ensemble(tmp_path):
    labels = np.array([6, 0, 2, 4])
    _record(tmp_path, "baseline", _one_hot([0, 0, 2, 4]), _one_hot([6, 6, 6, 6]), seconds=90)
    unsure = _one_hot([6, 0, 2, 2])
    unsure[3, [2, 4]] = [0.55, 0.45]  # wrong on the coat, but only just: its mirror image puts that right
    _record(tmp_path, "fast_cnn", unsure, _one_hot([6, 0, 2, 4]))
    for member, predicted in zip(ENSEMBLE[1:], ([6, 0, 0, 4], [6, 0, 0, 4])):
        _record(tmp_path, member, _one_hot(predicted), _one_hot(predicted))
    table = comparison(labels, tmp_path)
    assert list(table.index) == [
        "baseline",
        "fast_cnn",
        "fast_cnn (flips only)",
        "fast_cnn (no TTA)",
        "fast_cnn-seed1",
        "fast_cnn-seed2",
        "ensemble",
    ]
    assert table.loc["baseline", "test accuracy"] == 0.75  # the original project's CNN predicts without flip averaging
    assert table.loc["baseline", "training minutes"] == 1.5
    assert table.loc["fast_cnn (no TTA)", "test accuracy"] == 0.75 and table.loc["fast_cnn", "test accuracy"] == 1.0
    assert table.loc["fast_cnn (flips only)", "test accuracy"] == 1.0
    assert table.loc["ensemble", "test accuracy"] == 0.75  # two members outvote the default on the pullover
    assert table.loc["ensemble", "training minutes"] == 3.0


def test_comparison_leaves_out_runs_not_recorded_and_the_incomplete_ensemble(tmp_path):
    _record(tmp_path, "vgg_bn", _one_hot([0]), _one_hot([0]))
    assert list(comparison(np.array([0]), tmp_path).index) == ["vgg_bn", "vgg_bn (no TTA)"]


def test_missing_records_name_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="run `fmnist experiments vgg_bn_deep`"):
        recorded_probs("vgg_bn_deep", experiments_dir=tmp_path)
    with pytest.raises(ValueError, match="unknown experiment 'resnet'"):
        record("resnet", experiments_dir=tmp_path)


def test_every_experiment_names_a_recipe():
    from fmnist.training.recipes import RECIPES

    assert {e.recipe for e in experiments.EXPERIMENTS.values()} <= set(RECIPES)
    assert set(ENSEMBLE) <= set(experiments.EXPERIMENTS)


def test_a_committed_model_is_scored_not_retrained(tmp_path, idx_dir, splits):
    models_dir, experiments_dir = tmp_path / "models", tmp_path / "experiments"
    models_dir.mkdir()
    model = build_baseline_cnn()
    sha = save_weights(model, "baseline", weights_path("baseline", models_dir))
    _write_card(models_dir, "baseline", sha)
    path = record("baseline", source=idx_dir, experiments_dir=experiments_dir, models_dir=models_dir)
    x_test = splits[1][0]
    with np.load(path) as saved:
        assert saved["recipe"].dtype == np.float16 and set(saved.files) == {
            "recipe",
            "training_seconds",
            "weights_sha256",
            "recipe_sha256",
        }
        assert saved["recipe"].dtype == np.float16  # log-probabilities
    np.testing.assert_allclose(
        recorded_probs("baseline", experiments_dir=experiments_dir),
        model.predict(x_test[..., None] / 255, verbose=0),
        atol=2e-3,
    )
    with np.load(path) as saved:
        assert saved["training_seconds"] == 12.5 and str(saved["weights_sha256"]) == sha
    assert list(experiments_dir.iterdir()) == [path]  # nothing trained
    recorded = path.stat().st_mtime_ns
    assert record("baseline", source=idx_dir, experiments_dir=experiments_dir, models_dir=models_dir) == path
    assert path.stat().st_mtime_ns == recorded  # an up-to-date record is left as it is


def _write_card(models_dir, name, sha, recipe="baseline"):
    card = {
        "model": name,
        "recipe_name": recipe,
        "seed": 42,
        "training_seconds": 12.5,
        "weights_sha256": sha,
        "architecture": describe(get_recipe(recipe).build),
        "recipe": settings(get_recipe(recipe)),
    }
    write_json(card_path(name, models_dir), card)


def test_a_record_is_out_of_date_when_its_weights_or_recipe_change(tmp_path, idx_dir, monkeypatch):
    """Content decides, not existence: other weights, or a changed recipe, make the record stale."""
    models_dir, experiments_dir = tmp_path / "models", tmp_path / "experiments"
    models_dir.mkdir()
    weights = weights_path("baseline", models_dir)
    _write_card(models_dir, "baseline", save_weights(build_baseline_cnn(), "baseline", weights))
    path = record("baseline", source=idx_dir, experiments_dir=experiments_dir, models_dir=models_dir)
    assert is_current("baseline", experiments_dir, models_dir)

    _write_card(
        models_dir, "baseline", save_weights(build_baseline_cnn(), "baseline", weights)
    )  # retrained: new weights
    assert not is_current("baseline", experiments_dir, models_dir)
    record("baseline", source=idx_dir, experiments_dir=experiments_dir, models_dir=models_dir)
    with np.load(path) as saved:
        assert str(saved["weights_sha256"]) == sha256(weights)
    assert is_current("baseline", experiments_dir, models_dir)

    changed = replace(get_recipe("baseline"), epochs=11)
    monkeypatch.setitem(recipes.RECIPES, "baseline", changed)
    assert fingerprint(changed) != str(np.load(path)["recipe_sha256"])
    assert not is_current("baseline", experiments_dir, models_dir)  # the committed model must be retrained first


@pytest.mark.slow
def test_an_experiment_trains_its_recipe_with_its_seed(tmp_path, monkeypatch):
    from helpers import tiny_splits, write_idx_dir

    idx_dir = write_idx_dir(tmp_path / "idx", tiny_splits(n_train=200))
    monkeypatch.setitem(experiments.EXPERIMENTS, "baseline-seed3", Experiment("baseline", "test run", seed=3))
    experiments_dir = tmp_path / "experiments"
    path = record("baseline-seed3", source=idx_dir, experiments_dir=experiments_dir, models_dir=tmp_path / "models")
    card = read_json(card_path("baseline-seed3", experiments_dir))
    assert (card["model"], card["recipe_name"], card["seed"]) == ("baseline-seed3", "baseline", 3)
    assert weights_path("baseline-seed3", experiments_dir).is_file()
    with np.load(path) as saved:
        assert saved["recipe"].shape == (20, 10) and saved["training_seconds"] == card["training_seconds"]
    assert is_current("baseline-seed3", experiments_dir, tmp_path / "models")


@pytest.mark.integration
def test_readme_answers_are_the_recorded_experiments(real_splits):
    """README's table of answers is generated from the records (`fmnist experiments`), never typed by hand."""
    from fmnist.tools.readme import README, block

    assert block(experiments.README_BLOCK, experiments.answers_table(real_splits[1][1])) in README.read_text()


def test_answers_table_rows(tmp_path):
    _record(tmp_path, "baseline", _one_hot([0, 0, 2, 4]), _one_hot([6, 6, 6, 6]), seconds=90)
    table = experiments.answers_table(np.array([0, 6, 2, 4]), tmp_path).splitlines()
    assert table[0].startswith("| model | what it tests | test accuracy | Shirt recall | T-shirt/top recall |")
    assert table[2] == "| baseline | the original project's CNN | 75.00% | 0.0% | 100.0% | 100.0% | 100.0% | 1.5 min |"


def test_catalogue_lists_every_experiment_and_what_is_recorded(tmp_path):
    _record(tmp_path, "vgg_bn_deep", _one_hot([0]), _one_hot([0]))
    table = experiments.catalogue(tmp_path)
    assert list(table.index) == list(experiments.EXPERIMENTS)
    assert table["recorded"].tolist() == [name == "vgg_bn_deep" for name in experiments.EXPERIMENTS]
