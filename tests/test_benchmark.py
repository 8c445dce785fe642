"""Benchmark bookkeeping: time-to-accuracy, the results table, and README staying in sync."""

import pytest

from fmnist.errors import MissingFileError
from fmnist.tools.bench import costs, report, results, runs
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
        "precision": "float32",
        "images_per_second": 5321.7,
        "latency_ms": 3.21,
        "history": {"epoch_seconds": [350.2, 350.2], "val_accuracy": [0.905, 0.95]},
        **fields,
    }


def _results(**overrides):
    baseline = _row(model="baseline", default=False, training_seconds=100.0, seconds_to_91_val=None, epochs=10)
    return costs.with_costs_in_s(
        {
            "date": "2026-11-24",
            "host": "box",
            "platform": "Linux",
            "environment": "TF, CPU",
            "cpu": {"model": "AMD EPYC", "vector_extensions": ["avx2", "avx512_bf16"]},
            "precision": "float32",
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
    table = report.render_table(_results())
    row = table.splitlines()[3]
    assert (
        row
        == "| **vgg_bn** | 42 | float32 | 94.12% | 81.2% | 700 s = 7.00 S | 150 s = 1.50 S | 731 s | 20 | 289,066 | 5,322 | 3.2 ms |"
    )
    assert (
        "Made by `fmnist bench --precision float32 vgg_bn`. S = 100 s, the training time of the original project's "
        "recipe in this run, in float32." in table
    )
    assert "Measured on 2026-11-24 on `box` (AMD EPYC with avx2, avx512_bf16; Linux; TF, CPU)." in table


def test_costs_in_s_are_multiples_of_the_original_recipe():
    rows = _results()["models"]
    assert [row["training_in_s"] for row in rows] == [1.0, pytest.approx(7.004)]
    assert rows[0]["to_91_val_in_s"] is None and rows[1]["to_91_val_in_s"] == pytest.approx(1.502)
    with pytest.raises(ValueError, match="no 'baseline' row"):
        costs.with_costs_in_s({"models": [_row()]})


def test_the_default_seeds_give_mean_and_spread():
    results = _results()
    results["models"] += [_row(seed=1, test_accuracy=0.9402, shirt_recall=0.802), _row(seed=2, test_accuracy=0.9422)]
    assert "The default over 3 seeds: test accuracy 94.12% ± 0.10, Shirt recall 80.9% ± 0.6" in report.render_table(
        results
    )


def test_the_command_is_named_from_the_runs():
    results = _results()
    results["models"] = [
        {**_row(model=recipe, seed=seed), "default": recipe == DEFAULT_MODEL} for recipe, seed in runs.plan()
    ]
    assert runs.command_for(results) == "make bench"
    results["models"].insert(-1, _row(model=LONG_MODEL))
    assert runs.command_for(results) == "make bench LONG=1"
    assert runs.command_for(results | {"precision": "fast"}) == "make bench LONG=1 PRECISION=fast"


def test_plan_runs_the_original_recipe_first_and_last_the_tutorial_and_the_default_three_times():
    planned = runs.plan()
    assert planned[:2] == [("baseline", 42), ("tutorial_dense", 42)] and planned[-1] == ("baseline", 42)
    assert [recipe for recipe, _ in planned[2:-1]] == [DEFAULT_MODEL] * 3
    assert len({seed for _, seed in planned[2:-1]}) == 3
    assert runs.plan(long=True)[-2:] == [(LONG_MODEL, 42), ("baseline", 42)]
    assert runs.bracketed([("vgg_bn", 42), ("baseline", 42)]) == [("baseline", 42), ("vgg_bn", 42), ("baseline", 42)]


def test_s_is_the_mean_of_the_original_recipes_trainings():
    results = _results()
    results["models"].append({**results["models"][0], "training_seconds": 120.0})
    results = costs.with_costs_in_s(results)
    assert costs.seed_seconds(results) == pytest.approx(110.0)
    assert [row["training_in_s"] for row in results["models"]] == pytest.approx([100 / 110, 700.4 / 110, 120 / 110])
    assert (
        "S = 110 s, the training time of the original project's recipe in this run, the mean of its trainings first and last"
        in report.render_table(results)
    )
    assert "in 1.8 minutes there" in report.headline(results) and "(110 s there, the mean of its" in report.headline(
        results
    )


def test_a_model_that_never_reaches_91_percent():
    assert "| n/a |" in report.render_table(_results(seconds_to_91_val=None))


def test_write_and_read_back(tmp_path):
    path = results.write_results(_results(), tmp_path)
    assert path.name == "2026-11-24-box.json" and path.with_suffix(".md").is_file()
    assert path.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    assert results.latest_results(tmp_path)["models"][1]["epochs"] == 20


def test_a_second_run_on_the_same_day_keeps_the_first(tmp_path):
    first = results.write_results(_results(), tmp_path)
    before = first.read_bytes()
    rerun = _results()
    rerun["models"][1]["epochs"] = 30
    second = results.write_results(rerun, tmp_path)
    assert second.name == "2026-11-24-box-run2.json" and second.with_suffix(".png").is_file()
    assert first.read_bytes() == before
    assert results.latest_results(tmp_path)["models"][1]["epochs"] == 30
    assert report.readme_text(results.latest_results(tmp_path), tmp_path).endswith(f"({second.with_suffix('.png')})")


def test_a_benchmark_of_other_recipes_leaves_the_default_shown(tmp_path):
    """`fmnist bench RECIPE` (no default) writes its own files, but README keeps the default's table."""
    whole = results.write_results(_results(), tmp_path)
    others = _results()
    others["models"] = [{**row, "default": False} for row in others["models"]]
    partial = results.write_results(others, tmp_path)
    assert partial.name == "2026-11-24-box-run2.json"
    assert results.latest_results(tmp_path)["stem"] == whole.stem
    partial.unlink()
    whole.unlink()
    with pytest.raises(MissingFileError, match="no benchmark of the default"):
        results.latest_results(tmp_path)


def test_update_readme_replaces_only_the_block(tmp_path):
    readme = tmp_path / "README.md"
    start, end = markers("bench")
    first, last = markers("headline")
    readme.write_text(f"intro\n{first}\nold words\n{last}\n{start}\nold table\n{end}\noutro\n")
    report.update_readme(_results(), readme, directory=tmp_path)
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("\noutro\n") and "old table" not in text
    assert block("bench", report.render_table(_results())) in text  # no figure written: the table alone
    assert block("headline", report.headline(_results())) in text and "old words" not in text
    results.write_results(_results(), tmp_path)
    report.update_readme(_results(), readme, directory=tmp_path)
    assert f"![Validation accuracy against training time in S]({tmp_path}/2026-11-24-box.png)" in readme.read_text()


def test_update_readme_needs_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("no block here\n")
    with pytest.raises(ValueError, match="no <!-- bench:start --> ... <!-- bench:end --> block"):
        report.update_readme(_results(), readme)


def test_readme_table_is_the_latest_results_file():
    """README's benchmark table is generated (`make bench`), never typed by hand."""
    assert block("bench", report.readme_text(results.latest_results())) in README.read_text()
    assert block("headline", report.headline(results.latest_results())) in README.read_text()


def test_markdown_tables_align_names_left_and_numbers_right():
    from fmnist.markdown import table

    assert table(["model", "what", "accuracy"], [["a", "b", "1%"]], left=2).splitlines() == [
        "| model | what | accuracy |",
        "| --- | --- | ---: |",
        "| a | b | 1% |",
    ]
    with pytest.raises(ValueError, match="a row of 2 cells under 3 headers"):
        table(["model", "what", "accuracy"], [["a", "b"]])


def test_the_headline_says_the_defaults_accuracy_and_minutes_in_plain_words():
    runs_of = _results()
    runs_of["environment"] = "TensorFlow 2.21.0, CPU only (2 cores)"
    text = report.headline(runs_of)
    assert text.startswith("**The default model, `vgg_bn`, classifies 94.12% of the test images right**")
    assert "**after 11.7 minutes of training** on `box`, 2 cores of an AMD EPYC, in float32" in text
    assert "reaches 94.12% in 1.7 minutes there" in text and "(100 s there)" in text


def test_a_run_with_its_kernels_limited_says_so(monkeypatch):
    from fmnist.tools.bench.machine import ISA_LIMIT_ENV_VAR, cpu_info

    monkeypatch.setenv(ISA_LIMIT_ENV_VAR, "AVX2")
    assert cpu_info()["isa_limit"] == "AVX2"
    monkeypatch.delenv(ISA_LIMIT_ENV_VAR)
    assert "isa_limit" not in cpu_info()
    limited = _results()
    limited["cpu"] |= {"isa_limit": "AVX2"}
    table = report.render_table(limited)
    assert "Made by `ONEDNN_MAX_CPU_ISA=AVX2 fmnist bench --precision float32 vgg_bn`." in table
    assert "(AMD EPYC with avx2, avx512_bf16, its kernels limited to AVX2 (ONEDNN_MAX_CPU_ISA); Linux" in table
    assert "its kernels limited to AVX2" in report.headline(limited)
