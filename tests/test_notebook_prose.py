"""No typed numbers in the notebooks' prose: a number a reader sees in markdown comes from an output.

A measured number typed into markdown is true on one machine on one day; after a run elsewhere the
prose under a figure would contradict the figure. So every number with a unit (%, points, s, ms,
S, x or times) that a markdown cell states must also appear in an output of the same notebook
(printed, a table, or Markdown a cell generated from the run's results).
"""

import re

import nbformat
import pytest

from fmnist.tools.regenerate import notebooks

#: A number followed by one of the units the series measures in: "94.78%", "3.9 points", "22 s", "1.4x".
NUMBER_WITH_UNIT = re.compile(
    r"(?<![\w.,/#-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s?(%|percentage points?|points?|ms|s|S|x|×|times)(?![\w×\d])"
)


def typed_numbers(markdown: str) -> list[str]:
    """The numbers with a unit in ``markdown``, leaving out code spans and link targets."""
    prose = re.sub(r"`[^`]*`|\]\([^)]*\)", " ", markdown)
    return [match.group(1) for match in NUMBER_WITH_UNIT.finditer(prose)]


def outputs_text(notebook) -> str:
    """Everything the notebook's cells printed or displayed as text."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            parts += ["".join(value) for kind, value in output.get("data", {}).items() if kind.startswith("text/")]
    return "\n".join(parts)


def shown(number: str, text: str) -> bool:
    """Whether ``number`` appears in ``text`` as a number of its own (not inside a longer one)."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)", text) is not None


def test_the_unit_pattern_finds_measured_numbers_and_not_shapes():
    text = "It scores 94.78% (3.9 points, 22 s, 1.4x, 6,000 s) on 28×28 images in `0.5 s` [a](x/1%.md)"
    assert typed_numbers(text) == ["94.78", "3.9", "22", "1.4", "6,000"]
    assert shown("94.78", "accuracy 94.78%") and not shown("4.78", "accuracy 94.78%") and not shown("94.7", "94.78")


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_every_number_in_prose_is_an_output_of_the_same_notebook(path):
    notebook = nbformat.read(path, as_version=4)
    printed = outputs_text(notebook)
    typed = [
        number
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for number in typed_numbers(cell.source)
        if not shown(number, printed)
    ]
    assert not typed, (
        f"{path.name}: its prose states {typed}, which none of its outputs shows; generate them from the run"
    )
