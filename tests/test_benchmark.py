"""Benchmark bookkeeping: time-to-accuracy, the results table, and README staying in sync."""

import pytest

from fmnist.tools import benchmark
from fmnist.tools.readme import README, block, markers
from fmnist.training.history import seconds_to_accuracy
from fmnist.training.recipes import DEFAULT_MODEL, LONG_MODEL


def _row(**fields):
    return {
        "model": "vgg_bn",
        "seed": 42,
        "default": True,
        "test_accuracy": 0.9412,
        "shirt_recall": 0.812,
        "training_seconds": 700.4,
        "command_seconds": 731.0,
        "seconds_to_91_val": 150.2,
        "epochs": 20,
        "parameters": 289066,
        "images_per_second": 5321.7,
        "latency_ms": 3.21,
        "history": {"epoch_seconds": [350.2, 350.2], "val_accuracy": [0.905, 0.95]},
        **fields,
    }


def _results(**overrides):
    baseline = _row(model="baseline", default=False, training_seconds=100.0, seconds_to_91_val=None, epochs=10)
    return benchmark.with_costs_in_s(
        {
            "date": "2026-11-24",
            "host": "box",
            "platform": "Linux",
            "environment": "TF, CPU",
            "cpu": {"model": "AMD EPYC", "vector_extensions": ["avx2", "avx512_bf16"]},
            "models": [baseline, _row(**overrides)],
        }
    )


def test_seconds_to_accuracy_counts_whole_epochs():
    history = {"epoch_seconds": [10.0, 12.0, 11.0], "val_accuracy": [0.85, 0.905, 0.912]}
    assert seconds_to_accuracy(history, 0.91) == pytest.approx(33.0)
    assert seconds_to_accuracy(history, target=0.85) == pytest.approx(10.0)
    assert seconds_to_accuracy(history, target=0.95) is None


def test_seconds_to_accuracy_counts_validations_halfway_through_epochs():
    history = {
        "epoch_seconds": [10.0, 12.0, 11.0],
        "val_accuracy": [0.85, 0.905, 0.912],
        "halfway_seconds": [5.5, 6.0, 5.0],
        "halfway_val_accuracy": [0.80, 0.88, 0.911],
    }
    assert seconds_to_accuracy(history, 0.91) == pytest.approx(27.0)  # halfway through the third epoch: 22 + 5
    assert seconds_to_accuracy(history, target=0.80) == pytest.approx(5.5)
    assert seconds_to_accuracy(history, target=0.912) == pytest.approx(33.0)


def test_table_formats_every_column():
    table = benchmark.render_table(_results())
    row = table.splitlines()[3]
    assert (
        row
        == "| **vgg_bn** | 42 | 94.12% | 81.2% | 700 s = 7.00 S | 150 s = 1.50 S | 731 s | 20 | 289,066 | 5,322 | 3.2 ms |"
    )
    assert (
        "Made by `fmnist bench vgg_bn`. S = 100 s, the training time of the original project's recipe in this run."
        in table
    )
    assert "Measured on 2026-11-24 on `box` (AMD EPYC with avx2, avx512_bf16; Linux; TF, CPU)." in table


def test_costs_in_s_are_multiples_of_the_original_recipe():
    rows = _results()["models"]
    assert [row["training_in_s"] for row in rows] == [1.0, pytest.approx(7.004)]
    assert rows[0]["to_91_val_in_s"] is None and rows[1]["to_91_val_in_s"] == pytest.approx(1.502)
    with pytest.raises(ValueError, match="no 'baseline' row"):
        benchmark.with_costs_in_s({"models": [_row()]})


def test_the_default_seeds_give_mean_and_spread():
    results = _results()
    results["models"] += [_row(seed=1, test_accuracy=0.9402, shirt_recall=0.802), _row(seed=2, test_accuracy=0.9422)]
    assert "The default over 3 seeds: test accuracy 94.12% ± 0.10, Shirt recall 80.9% ± 0.6" in benchmark.render_table(
        results
    )


def test_the_command_is_named_from_the_runs():
    results = _results()
    results["models"] = [
        {**_row(model=recipe, seed=seed), "default": recipe == DEFAULT_MODEL} for recipe, seed in benchmark.plan()
    ]
    assert benchmark.command_for(results) == "make bench"
    results["models"].append(_row(model=LONG_MODEL))
    assert benchmark.command_for(results) == "make bench LONG=1"


def test_plan_runs_the_original_recipe_the_tutorial_and_the_default_three_times():
    runs = benchmark.plan()
    assert runs[:2] == [("baseline", 42), ("tutorial_dense", 42)]
    assert [recipe for recipe, _ in runs[2:]] == [DEFAULT_MODEL] * 3 and len({seed for _, seed in runs[2:]}) == 3
    assert benchmark.plan(long=True)[-1] == (LONG_MODEL, 42)


def test_a_model_that_never_reaches_91_percent():
    assert "| n/a |" in benchmark.render_table(_results(seconds_to_91_val=None))


def test_write_and_read_back(tmp_path):
    path = benchmark.write_results(_results(), tmp_path)
    assert path.name == "2026-11-24-box.json" and path.with_suffix(".md").is_file()
    assert path.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    assert benchmark.latest_results(tmp_path)["models"][1]["epochs"] == 20


def test_a_second_run_on_the_same_day_keeps_the_first(tmp_path):
    first = benchmark.write_results(_results(), tmp_path)
    before = first.read_bytes()
    rerun = _results()
    rerun["models"][1]["epochs"] = 30
    second = benchmark.write_results(rerun, tmp_path)
    assert second.name == "2026-11-24-box-run2.json" and second.with_suffix(".png").is_file()
    assert first.read_bytes() == before
    assert benchmark.latest_results(tmp_path)["models"][1]["epochs"] == 30
    assert benchmark.readme_text(benchmark.latest_results(tmp_path), tmp_path).endswith(
        f"({second.with_suffix('.png')})"
    )


def test_update_readme_replaces_only_the_block(tmp_path):
    readme = tmp_path / "README.md"
    start, end = markers("bench")
    readme.write_text(f"intro\n{start}\nold table\n{end}\noutro\n")
    benchmark.update_readme(_results(), readme, directory=tmp_path)
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("\noutro\n") and "old table" not in text
    assert block("bench", benchmark.render_table(_results())) in text  # no figure written: the table alone
    benchmark.write_results(_results(), tmp_path)
    benchmark.update_readme(_results(), readme, directory=tmp_path)
    assert f"![Validation accuracy against training time in S]({tmp_path}/2026-11-24-box.png)" in readme.read_text()


def test_update_readme_needs_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no block here\n")
    with pytest.raises(ValueError, match="no <!-- bench:start --> ... <!-- bench:end --> block"):
        benchmark.update_readme(_results(), readme)


def test_readme_table_is_the_latest_results_file():
    """README's benchmark table is generated (`make bench`), never typed by hand."""
    assert block("bench", benchmark.readme_text(benchmark.latest_results())) in README.read_text()
