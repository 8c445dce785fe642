"""The notebooks' badge row (Colab, Kaggle, GitHub) and setup cell, made from ``config.REPO_URL``.

Every notebook carries the same two tagged cells, and README's table of notebooks the same badges;
``fmnist notebooks-sync`` (``make notebooks-sync``) rewrites them after ``REPO_URL`` changes, and
the tests check they agree. The setup cell acts in Colab and in Kaggle (``KAGGLE_KERNEL_RUN_TYPE``)
only, and says in one line what to switch to on a runtime without TensorFlow.
"""

import re
import sys
from pathlib import Path

from fmnist.config import PROJ_ROOT, REPO_URL

NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
README = PROJ_ROOT / "README.md"
BADGES_TAG = "colab-badges"
SETUP_TAG = "colab-setup"
#: Where the setup cell clones the project inside a Colab runtime, and inside a Kaggle notebook.
COLAB_CHECKOUT = "/content/fashion-mnist"
KAGGLE_CHECKOUT = "/kaggle/working/fashion-mnist"

SETUP_CELL = """\
# In Colab or Kaggle, fetch the project and install its package; locally this cell does nothing.
import importlib.util
import os
import sys

IS_COLAB = "google.colab" in sys.modules
IS_KAGGLE = "KAGGLE_KERNEL_RUN_TYPE" in os.environ
if (IS_COLAB or IS_KAGGLE) and importlib.util.find_spec("tensorflow") is None:
    raise SystemExit("This runtime has no TensorFlow (TPU runtimes ship none): switch to a CPU or GPU runtime.")
if IS_COLAB or IS_KAGGLE:
    import subprocess
    from pathlib import Path

    project = Path("{colab_checkout}" if IS_COLAB else "{kaggle_checkout}")
    if not project.exists():
        subprocess.run(
            ["git", "clone", "--depth", "1", "{repo_url}", str(project)],
            check=True,
        )
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", str(project)], check=True)
    sys.path.insert(0, str(project / "src"))  # an editable install is seen only after a restart"""


def setup_cell(repo_url: str = REPO_URL) -> str:
    """Source of the setup cell."""
    return SETUP_CELL.format(repo_url=repo_url, colab_checkout=COLAB_CHECKOUT, kaggle_checkout=KAGGLE_CHECKOUT)


def badges_cell(notebook_name: str, repo_url: str = REPO_URL) -> str:
    """Markdown of the badge row: open in Colab, open in Kaggle, view on GitHub."""
    github = f"{repo_url}/blob/main/notebooks/{notebook_name}"
    return f"{open_badges(notebook_name, repo_url)} [![View on GitHub](https://img.shields.io/badge/view%20on-GitHub-181717?logo=github)]({github})"


def open_badges(notebook_name: str, repo_url: str = REPO_URL) -> str:
    """Markdown of the two badges that open notebook ``notebook_name`` in Colab and in Kaggle."""
    repo = repo_url.removeprefix("https://github.com/")
    colab = f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{notebook_name}"
    kaggle = f"https://kaggle.com/kernels/welcome?src={repo_url}/blob/main/notebooks/{notebook_name}"
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
        f"[![Open In Kaggle](https://kaggle.com/static/images/open-in-kaggle.svg)]({kaggle})"
    )


def expected_cells(path: Path, repo_url: str = REPO_URL) -> dict[str, str]:
    """The source each tagged cell of notebook ``path`` should have."""
    return {BADGES_TAG: badges_cell(Path(path).name, repo_url), SETUP_TAG: setup_cell(repo_url)}


def sync(path: Path, repo_url: str = REPO_URL) -> bool:
    """Rewrite the tagged cells of one notebook; return True if anything changed."""
    import nbformat  # a Jupyter dependency, needed only here

    notebook = nbformat.read(path, as_version=4)
    expected = expected_cells(path, repo_url)
    changed = False
    for cell in notebook.cells:
        for tag in set(cell.metadata.get("tags", [])) & expected.keys():
            if cell.source != expected[tag]:
                cell.source = expected[tag]
                changed = True
    if changed:
        nbformat.write(notebook, path)
    return changed


def sync_readme(readme: Path = README, notebooks_dir: Path = NOTEBOOKS_DIR, repo_url: str = REPO_URL) -> bool:
    """Rewrite the badge column of README's table of notebooks; return True if anything changed."""
    text = Path(readme).read_text(encoding="utf-8")
    synced = text
    for path in sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb")):
        row = re.compile(
            rf"^(\| \[{re.escape(path.stem)}\]\(notebooks/{re.escape(path.name)}\) \| [^|\n]* \| ).*$", re.M
        )
        badges = open_badges(path.name, repo_url)
        synced = row.sub(lambda match, badges=badges: f"{match.group(1)}{badges} |", synced)
    if synced != text:
        Path(readme).write_text(synced, encoding="utf-8")
    return synced != text


def sync_all(notebooks_dir: Path = NOTEBOOKS_DIR, readme: Path = README) -> None:
    """Rewrite the tagged cells of every numbered notebook and README's badges, naming each file that changed."""
    for notebook_path in sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb")):
        if sync(notebook_path):
            print(f"updated {notebook_path.name}", file=sys.stderr)
    if sync_readme(readme, notebooks_dir):
        print(f"updated {Path(readme).name}", file=sys.stderr)
