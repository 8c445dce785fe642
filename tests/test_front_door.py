"""The front door agrees with itself: the Makefile calls `fmnist` subcommands of the same name, and
`fmnist --help` lists every subcommand and recipe."""

import re
import subprocess
import sys

import pytest

from fmnist import cli
from fmnist.cli import _parser
from fmnist.config import PROJ_ROOT
from fmnist.errors import (
    DataError,
    FmnistError,
    MissingFileError,
    ModelFileError,
    NotebookError,
    PhotoError,
    UsageError,
)
from fmnist.training.recipes import DEFAULT_MODEL, RECIPES, get_recipe


def _subcommands():
    action = next(a for a in _parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    return set(action.choices)


def test_each_makefile_target_calls_the_subcommand_of_its_name():
    makefile = (PROJ_ROOT / "Makefile").read_text()
    calls = re.findall(r"^([a-z-]+):[^\n]*\n((?:\t[^\n]*\n)+)", makefile, flags=re.M)
    called = {target: re.findall(r"\$\(BIN\)/fmnist ([a-z-]+)", body) for target, body in calls}
    called = {target: names for target, names in called.items() if names}
    assert called, "no target calls fmnist"
    for target, names in called.items():
        assert set(names) == {target}, (target, names)
        assert set(names) <= _subcommands()
    assert {"train", "evaluate", "experiments", "bench", "speed", "notebooks-sync"} <= called.keys()


def test_help_lists_every_subcommand_and_recipe():
    text = " ".join(_parser().format_help().split())  # line breaks fall wherever the terminal width puts them
    for name in _subcommands():
        assert name in text
    for name in RECIPES:
        assert name in text
    assert f"default: {DEFAULT_MODEL}" in text


def test_no_recipe_name_is_typed_where_the_default_is_meant():
    makefile = (PROJ_ROOT / "Makefile").read_text()
    cli = (PROJ_ROOT / "src" / "fmnist" / "cli.py").read_text()
    assert DEFAULT_MODEL not in makefile and f'"{DEFAULT_MODEL}"' not in cli


def test_help_imports_no_tensorflow():
    code = (
        "import sys\n"
        "from fmnist.cli import main\n"
        "for argv in (['--help'], ['train', '--help'], ['predict', '--help'], ['bench', '--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "usage: fmnist train" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_a_project_error_is_one_line_and_a_bug_keeps_its_traceback(monkeypatch, capsys):
    def refuse(args):
        raise MissingFileError("models/nothing.weights.h5: no saved model")

    def crash(args):
        raise KeyError("a bug")

    monkeypatch.setattr(cli, "_data", refuse)
    assert cli.main(["data"]) == 1
    assert capsys.readouterr().err == "error: models/nothing.weights.h5: no saved model\n"
    monkeypatch.setattr(cli, "_data", crash)
    with pytest.raises(KeyError, match="a bug"):
        cli.main(["data"])


def test_every_project_error_shares_one_base_and_keeps_its_builtin_kind():
    for kind in (DataError, ModelFileError, PhotoError, UsageError, NotebookError):
        assert issubclass(kind, FmnistError) and issubclass(kind, ValueError)
    assert issubclass(MissingFileError, FmnistError) and issubclass(MissingFileError, FileNotFoundError)
    with pytest.raises(UsageError, match="unknown model"):
        get_recipe("no_such_recipe")
