"""Markdown tables, the one way the project writes them (bench results, README blocks, the speed table)."""

from collections.abc import Iterable, Sequence


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], left: int = 1) -> str:
    """A Markdown table of ``rows`` (cells already formatted) under ``headers``; the first ``left``
    columns align left (names, descriptions), the others right (numbers)."""
    rule = ["---" if column < left else "---:" for column in range(len(headers))]
    lines = [_row(headers), _row(rule)]
    for cells in rows:
        if len(cells) != len(headers):
            raise ValueError(f"a row of {len(cells)} cells under {len(headers)} headers: {cells}")
        lines.append(_row(cells))
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"
