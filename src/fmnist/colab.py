"""The notebooks' Colab badge row and setup cell, made from ``config.REPO_URL``.

Every notebook carries the same two tagged cells; ``fmnist notebooks-sync`` (``make
notebooks-sync``) rewrites them after ``REPO_URL`` changes, and the tests check they agree.
"""

import sys
from pathlib import Path

from fmnist.config import PROJ_ROOT, REPO_URL

NOTEBOOKS_DIR = PROJ_ROOT / "notebooks"
BADGES_TAG = "colab-badges"
SETUP_TAG = "colab-setup"
#: Where the setup cell clones the project inside a Colab runtime.
COLAB_CHECKOUT = "/content/fashion-mnist"

SETUP_CELL = '''\
# In Colab, fetch the project and install its package; locally this cell does nothing.
import sys

IS_COLAB = "google.colab" in sys.modules
if IS_COLAB:
    import subprocess
    from pathlib import Path

    project = Path("{checkout}")
    if not project.exists():
        subprocess.run(["git", "clone", "--depth", "1", "{repo_url}", str(project)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "-e", str(project)], check=True)
    sys.path.insert(0, str(project / "src"))  # an editable install is seen only after a restart'''


def setup_cell(repo_url: str = REPO_URL) -> str:
    """Source of the setup cell."""
    return SETUP_CELL.format(repo_url=repo_url, checkout=COLAB_CHECKOUT)


def badges_cell(notebook_name: str, repo_url: str = REPO_URL) -> str:
    """Markdown of the badge row: open in Colab, view on GitHub."""
    repo = repo_url.removeprefix("https://github.com/")
    colab = f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/{notebook_name}"
    github = f"{repo_url}/blob/main/notebooks/{notebook_name}"
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
        f"[![View on GitHub](https://img.shields.io/badge/view%20on-GitHub-181717?logo=github)]({github})"
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


def sync_all(notebooks_dir: Path = NOTEBOOKS_DIR) -> None:
    """Rewrite the tagged cells of every numbered notebook, naming each one that changed."""
    for notebook_path in sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb")):
        if sync(notebook_path):
            print(f"updated {notebook_path.name}", file=sys.stderr)
