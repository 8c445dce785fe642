"""README's generated blocks: each table is written between two markers by the command that measures it.

``fmnist bench`` writes the ``bench`` block and ``fmnist experiments`` the ``answers`` and ``robustness``
blocks, so no number in those tables is typed by hand; tests check each block against its results files.
"""

import re
from pathlib import Path

from fmnist.config import PROJ_ROOT
from fmnist.errors import UsageError

README = PROJ_ROOT / "README.md"


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of README block ``name``."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def block(name: str, text: str) -> str:
    """``text`` between the markers of block ``name``: what README holds once it is updated."""
    start, end = markers(name)
    return f"{start}\n{text}\n{end}"


def update_block(name: str, text: str, readme: Path = README) -> None:
    """Replace README's block ``name`` with ``text``; a README without the block is an error."""
    start, end = markers(name)
    content = Path(readme).read_text(encoding="utf-8")
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(content):
        raise UsageError(f"{readme}: no {start} ... {end} block to fill")
    Path(readme).write_text(pattern.sub(lambda _: block(name, text), content), encoding="utf-8")
