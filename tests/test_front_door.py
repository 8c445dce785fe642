"""The front door agrees with itself: the Makefile calls `fmnist` subcommands of the same name, and
`fmnist --help` lists every subcommand and recipe."""

import re

from fmnist.cli import _parser
from fmnist.config import PROJ_ROOT
from fmnist.training.recipes import DEFAULT_MODEL, RECIPES


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
