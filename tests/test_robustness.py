"""07_robustness's records and tables: predictions on corrupted test images, mean corruption error, confusions."""

import numpy as np
import pytest

from fmnist.analysis import robustness
from fmnist.analysis.corruptions import CORRUPTIONS, HELD_OUT_FAMILIES, corrupt
from fmnist.analysis.robustness import (
    MODELS,
    accuracies,
    cells,
    family_confusions,
    is_current,
    record,
    record_path,
    recorded_names,
    summary,
)
from fmnist.config import card_path, weights_path
from fmnist.files import write_json
from fmnist.inference.model_files import save_weights
from fmnist.inference.trained_model import TrainedModel
from fmnist.training.builders import build_baseline_cnn
from fmnist.training.recipes import describe, fingerprint, get_recipe, settings


def _write(directory, name, clean, corrupted):
    directory.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        record_path(name, directory),
        clean=np.asarray(clean, dtype=np.uint8),
        corrupted=np.asarray(corrupted, dtype=np.uint8),
        weights_sha256="-",
        recipe_sha256="-",
        inputs_sha256="-",
        render_indices=np.arange(len(clean)),
        renders=np.tile(np.asarray(clean, dtype=np.uint8), (12, 1)),
        render_found=np.ones((11, len(clean)), bool),
    )


def _all_models(directory, labels, wrong_cells=()):
    """Every recorded name right on clean images; ``baseline`` wrong on every image of ``wrong_cells`` (indices)."""
    for name in recorded_names():
        corrupted = np.tile(labels, (len(cells()), 1))
        if name == "baseline":
            corrupted[list(wrong_cells)] = (labels + 1) % 10
        _write(directory, name, labels, corrupted)


def test_cells_cover_every_corruption_at_every_severity():
    listed = cells()
    assert len(listed) == sum(len(c.levels) for c in CORRUPTIONS.values())
    assert listed[:5] == [("Gaussian noise", s) for s in range(1, 6)]
    assert ("upside down", 1) in listed and ("upside down", 2) not in listed


def test_accuracy_table_and_summary_from_records(tmp_path):
    labels = np.arange(20) % 10
    half = labels.copy()
    half[:10] = (half[:10] + 1) % 10  # half the images wrong
    for name in recorded_names():
        corrupted = np.tile(labels, (len(cells()), 1))
        if name == "baseline":
            corrupted[:] = half  # the reference: 50% on every corruption
        _write(tmp_path, name, labels, corrupted)
    table = accuracies(labels, tmp_path)
    assert list(table.columns) == recorded_names()
    assert table.loc[("clean", "clean", 0)].tolist() == [1.0] * len(recorded_names())
    assert table.loc[("noise", "Gaussian noise", 3), "baseline"] == 0.5
    results = summary(table)
    assert results.loc["baseline", "mean corruption accuracy"] == pytest.approx(0.5)
    assert results.loc["baseline", "mCE"] == pytest.approx(1.0)  # the reference against itself
    assert results.loc["fast_cnn", "mCE"] == 0.0 and results.loc["fast_cnn", "held-out families"] == 1.0


def test_held_out_and_other_families_are_averaged_apart(tmp_path):
    labels = np.arange(10)
    held_out = [i for i, (name, _) in enumerate(cells()) if CORRUPTIONS[name].family in HELD_OUT_FAMILIES]
    _all_models(tmp_path, labels, wrong_cells=held_out)
    results = summary(accuracies(labels, tmp_path))
    assert results.loc["baseline", "held-out families"] == 0.0
    assert results.loc["baseline", "other families"] == 1.0
    # Each corruption counts once, whatever its number of severities.
    corruption_count = len(CORRUPTIONS)
    held_out_count = sum(c.family in HELD_OUT_FAMILIES for c in CORRUPTIONS.values())
    expected = 1 - held_out_count / corruption_count
    assert results.loc["baseline", "mean corruption accuracy"] == pytest.approx(expected)


def test_mean_and_spread_over_seeds(tmp_path):
    labels = np.arange(10)
    _all_models(tmp_path, labels)
    _write(
        tmp_path, "fast_cnn-seed1", np.where(labels < 2, (labels + 1) % 10, labels), np.tile(labels, (len(cells()), 1))
    )
    grouped = robustness.by_model(summary(accuracies(labels, tmp_path)))
    assert grouped.loc["fast_cnn", "clean"] == pytest.approx((1 + 0.8 + 1) / 3)
    assert grouped.loc["fast_cnn (spread)", "clean"] == pytest.approx(0.2)
    by_severity = robustness.per_model(accuracies(labels, tmp_path), "severity")
    assert list(by_severity.columns) == list(MODELS) and by_severity.loc[("noise", 5), "fast_cnn"] == 1.0
    assert len(robustness.per_model(accuracies(labels, tmp_path), "corruption")) == len(CORRUPTIONS)
    caption, _, *table = robustness.readme_table(labels, tmp_path).splitlines()
    assert caption.startswith(f"The first {robustness.TEST_IMAGES:,} test images under {len(CORRUPTIONS)} corruptions")
    assert table[0].startswith("| model | seeds | clean | mean corruption accuracy | held-out families |")
    assert table[0].endswith("| mCE | photo renders |")
    assert table[3].startswith("| fast_cnn | 3 | 93.3% ± 10.0 |") and table[3].endswith("| 93.3% ± 10.0 |")
    shown = robustness.render_accuracy("fast_cnn-seed1", labels, tmp_path)
    assert shown.attrs["as in the dataset"] == pytest.approx(0.8) and (shown["accuracy"] == 0.8).all()


def test_family_confusions_count_what_the_corruption_adds(tmp_path):
    labels = np.array([6] * 5 + [0] * 5)  # five shirts, five T-shirts
    corrupted = np.tile(labels, (len(cells()), 1))
    noise = [i for i, (name, _) in enumerate(cells()) if CORRUPTIONS[name].family == "noise"]
    corrupted[noise, :5] = 0  # every noisy shirt taken for a T-shirt
    _write(tmp_path, "fast_cnn", labels, corrupted)
    confusions = family_confusions("fast_cnn", labels, top=1, experiments_dir=tmp_path)
    noisy = confusions[confusions["family"] == "noise"].iloc[0]
    assert (noisy["true"], noisy["predicted as"], noisy["share of the images"]) == ("Shirt", "T-shirt/top", 0.5)
    assert confusions[confusions["family"] == "blur"].iloc[0]["share of the images"] == 0.0


def test_missing_record_names_the_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="fmnist experiments"):
        accuracies(np.arange(10), tmp_path)


def test_a_committed_model_is_scored_on_corrupted_test_images(tmp_path, idx_dir, splits):
    """The record holds the classes the model predicts for each corrupted copy, and goes stale with the weights."""
    models_dir, experiments_dir = tmp_path / "models", tmp_path / "experiments"
    models_dir.mkdir()
    weights = weights_path("baseline", models_dir)
    sha = save_weights(build_baseline_cnn(), "baseline", weights)
    recipe = get_recipe("baseline")
    card = {"model": "baseline", "recipe_name": "baseline", "seed": 42, "training_seconds": 1.0, "weights_sha256": sha}
    write_json(
        card_path("baseline", models_dir), card | {"architecture": describe(recipe.build), "recipe": settings(recipe)}
    )
    path = record("baseline", source=idx_dir, experiments_dir=experiments_dir, models_dir=models_dir)
    x_test = splits[1][0]
    model = TrainedModel.load(weights)
    with np.load(path) as saved:
        assert saved["corrupted"].shape == (len(cells()), len(x_test)) and saved["corrupted"].dtype == np.uint8
        assert str(saved["recipe_sha256"]) == fingerprint(recipe)
        row = cells().index(("inverse", 5))
        np.testing.assert_array_equal(saved["corrupted"][row], model.predict(corrupt(x_test, "inverse", 5)).argmax(1))
        np.testing.assert_array_equal(saved["clean"], model.predict(x_test).argmax(1))
        assert saved["renders"].shape == (12, len(x_test)) and saved["render_found"].shape == (11, len(x_test))
    renders = robustness.render_accuracy("baseline", splits[1][1], experiments_dir)
    assert len(renders) == 11 and renders["accuracy"].between(0, 1).all()
    assert is_current("baseline", experiments_dir, models_dir)
    save_weights(build_baseline_cnn(), "baseline", weights)  # retrained: other weights
    assert not is_current("baseline", experiments_dir, models_dir)


@pytest.mark.integration
def test_readme_robustness_table_is_the_records(real_splits):
    """README's robustness table is generated from the records (`fmnist experiments`), never typed by hand."""
    from fmnist.tools.readme import README, block

    assert block(robustness.README_BLOCK, robustness.readme_table(real_splits[1][1])) in README.read_text()
