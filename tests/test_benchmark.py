"""Benchmark bookkeeping: time-to-accuracy, the results table, and README staying in sync."""

import pytest

from fmnist import benchmark
from fmnist.readme import README, block, markers


def _results(**overrides):
    row = {
        "model": "vgg_bn", "test_accuracy": 0.9412, "shirt_recall": 0.812, "training_seconds": 700.4, "command_seconds": 731.0,
        "seconds_to_91_val": 150.2, "epochs": 20, "parameters": 289066, "images_per_second": 5321.7,
        "latency_ms": 3.21, **overrides,
    }
    return {"date": "2026-11-24", "host": "box", "platform": "Linux", "environment": "TF, CPU", "models": [row]}


def test_seconds_to_accuracy_counts_whole_epochs():
    history = {"epoch_seconds": [10.0, 12.0, 11.0], "val_accuracy": [0.85, 0.905, 0.912]}
    assert benchmark.seconds_to_accuracy(history) == pytest.approx(33.0)
    assert benchmark.seconds_to_accuracy(history, target=0.85) == pytest.approx(10.0)
    assert benchmark.seconds_to_accuracy(history, target=0.95) is None


def test_table_formats_every_column():
    table = benchmark.render_table(_results())
    row = table.splitlines()[2]
    assert row == "| vgg_bn | 94.12% | 81.2% | 700 s | 731 s | 150 s | 20 | 289,066 | 5,322 | 3.2 ms |"
    assert "Measured on 2026-11-24 on `box`" in table


def test_a_model_that_never_reaches_91_percent():
    assert "| n/a |" in benchmark.render_table(_results(seconds_to_91_val=None))


def test_write_and_read_back(tmp_path):
    path = benchmark.write_results(_results(), tmp_path)
    assert path.name == "2026-11-24-box.json" and path.with_suffix(".md").is_file()
    assert benchmark.latest_results(tmp_path)["models"][0]["epochs"] == 20


def test_update_readme_replaces_only_the_block(tmp_path):
    readme = tmp_path / "README.md"
    start, end = markers("bench")
    readme.write_text(f"intro\n{start}\nold table\n{end}\noutro\n")
    benchmark.update_readme(_results(), readme)
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("\noutro\n") and "old table" not in text
    assert block("bench", benchmark.render_table(_results())) in text


def test_update_readme_needs_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no block here\n")
    with pytest.raises(ValueError, match="no <!-- bench:start --> ... <!-- bench:end --> block"):
        benchmark.update_readme(_results(), readme)


def test_readme_table_is_the_latest_results_file():
    """README's benchmark table is generated (`make bench`), never typed by hand."""
    assert block("bench", benchmark.render_table(benchmark.latest_results())) in README.read_text()
