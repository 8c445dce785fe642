"""``fmnist regenerate``: rebuild everything derived from the recipes and the data, in dependency order.

What is up to date is decided by content, never by existence or timestamps:

1. committed models that no notebook trains (``vgg_bn``): retrained when their card's architecture
   and settings are no longer their recipe's (:func:`fmnist.inference.model_files.is_current`);
2. the notebooks that read no trained model (``01``) and the one that trains the committed models
   (``02``): executed when their stamp, the SHA-256 of their code cells and of the package modules
   they import (:func:`stamp`), has changed, or when a model they train is missing or stale;
3. the out-of-fold scores, the experiment records and their predictions on corrupted test images:
   rescored, or retrained, when the weights or recipe they name are not those there now
   (:func:`fmnist.analysis.experiments.is_current`, :func:`fmnist.analysis.robustness.is_current`);
4. the sample photos (:func:`fmnist.analysis.renders.write_samples`), rewritten when a render differs from them;
5. the other notebooks: executed when their stamp, which also covers every file under ``models/``
   and the sample photos, has changed;
6. README's tables of answers and of robustness, from the records.

A notebook is executed in a fresh kernel in the full profile and written only once every cell has
run, with its stamp in its metadata; one that fails is left as it was. ``--all`` executes every
notebook whatever its stamp (``make run``).
"""

import ast
import hashlib
import io
import json
import os
import tempfile
import time
import tokenize
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from fmnist.config import ASSETS_DIR, MODELS_DIR, PROFILE_ENV_VAR, SMOKE_DIR, card_path, weights_path
from fmnist.errors import MissingFileError, NotebookError
from fmnist.files import atomic_path
from fmnist.tools.notebook_cells import NOTEBOOKS_DIR
from fmnist.tools.readme import README
from fmnist.training.recipes import DEFAULT_MODEL

PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: The committed models each notebook trains (in the full profile, into ``models/``).
TRAINS = {"02_train": ("baseline", DEFAULT_MODEL)}
#: Notebooks that read no trained model: their outputs follow from code and data alone.
READS_NO_MODEL = ("01_explore",)
#: Committed models that no notebook trains; ``fmnist train`` retrains them when their recipe changes.
TRAINED_HERE = ("vgg_bn",)
#: Where a notebook records the stamp of the inputs it was executed from.
STAMP_KEY = "fmnist"


@dataclass(frozen=True)
class Project:
    """Where the derived files live: the repository itself, or a scratch copy (as the tests make)."""

    notebooks_dir: Path = NOTEBOOKS_DIR
    models_dir: Path = MODELS_DIR
    experiments_dir: Path = MODELS_DIR / "experiments"
    photos_dir: Path = ASSETS_DIR / "photos"
    readme: Path = README
    data: Path | None = None  # where the data is; None: searched for as everywhere else


@dataclass(frozen=True)
class Step:
    """One thing to bring up to date: what it is, and the call that rebuilds it."""

    name: str
    run: Callable[[], object]


def notebooks(directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """The series, in order."""
    return sorted(Path(directory).glob("[0-9][0-9]_*.ipynb"))


def imported_modules(code: str) -> set[str]:
    """The ``fmnist`` modules that ``code`` imports, directly or through them (module names)."""
    seen: set[str] = set()
    pending = _fmnist_imports(code)
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        path = module_file(module)
        if path is not None:
            pending |= _fmnist_imports(path.read_text(encoding="utf-8"))
    return {module for module in seen if module_file(module) is not None}


def module_file(module: str) -> Path | None:
    """The source file of ``fmnist`` module ``module`` (``fmnist.data`` is its ``__init__.py``), if any."""
    parts = module.split(".")[1:]
    base = PACKAGE_DIR.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _fmnist_imports(code: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "fmnist"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "fmnist":
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}  # `from fmnist.analysis import plots`
    packages = {module.rsplit(".", depth)[0] for module in found for depth in range(1, module.count(".") + 1)}
    return found | packages


def stamp(path: Path, models_dir: Path = MODELS_DIR, photos_dir: Path = ASSETS_DIR / "photos") -> str:
    """SHA-256 of what notebook ``path`` is executed from: its code, the package code it imports, and
    (except for the notebooks that train the models or read none) every file in ``models_dir`` and ``photos_dir``.

    Package code counts as its syntax tree without docstrings, so editing a comment or a docstring
    reruns nothing.
    """
    notebook = nbformat.read(path, as_version=4)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    digest = hashlib.sha256(json.dumps(code).encode())
    for module in sorted(imported_modules("\n".join(_python_lines(source) for source in code))):
        digest.update(module.encode())
        digest.update(code_digest(module_file(module)))
    if Path(path).stem not in (*TRAINS, *READS_NO_MODEL):
        for file in sorted(
            p for directory in (models_dir, photos_dir) for p in Path(directory).rglob("*") if _committed(p)
        ):
            digest.update(file.relative_to(file.parents[1]).as_posix().encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def code_digest(path: Path) -> bytes:
    """SHA-256 of a Python file's code without its comments, docstrings and blank lines.

    The text itself is hashed, cut where the tokenizer finds comments and the syntax tree finds
    docstrings, so the digest is the same under every Python version.
    """
    source = Path(path).read_text(encoding="utf-8")
    lines = source.splitlines()
    cuts = []  # (line, column, end line, end column), 1-based lines
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            cuts.append((*token.start, *token.end))
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                cuts.append((value.lineno, value.col_offset, value.end_lineno, value.end_col_offset))
    for line, column, end_line, end_column in sorted(cuts, reverse=True):
        head, tail = lines[line - 1][:column], lines[end_line - 1][end_column:]
        lines[line - 1 : end_line] = [head + tail]
    code = "\n".join(line.rstrip() for line in lines if line.strip())
    return hashlib.sha256(code.encode()).digest()


def _python_lines(source: str) -> str:
    """A cell without its IPython magics and shell escapes, so that it parses as Python."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def _committed(path: Path) -> bool:
    """Files the repository holds: not hidden resume files, not the git-ignored experiment weights."""
    experiment_weights = path.parent.name == "experiments" and path.name.endswith(".weights.h5")
    return path.is_file() and not path.name.startswith(".") and not experiment_weights


def recorded_stamp(path: Path) -> str | None:
    """The stamp notebook ``path`` was last executed from, as its metadata records it."""
    return nbformat.read(path, as_version=4).metadata.get(STAMP_KEY, {}).get("inputs_sha256")


def notebook_is_current(path: Path, project: Project = Project()) -> bool:
    """Whether notebook ``path`` was executed from what is there now, and the models it trains are current."""
    if not all(model_is_current(name, project.models_dir) for name in TRAINS.get(Path(path).stem, ())):
        return False
    return recorded_stamp(path) == stamp(path, project.models_dir, project.photos_dir)


def model_is_current(name: str, models_dir: Path = MODELS_DIR) -> bool:
    """Whether the committed model ``name`` is there, with a card that still matches its recipe."""
    from fmnist.inference.model_files import is_current, read_card

    card = card_path(name, models_dir)
    return card.is_file() and weights_path(name, models_dir).is_file() and is_current(read_card(card))


def execute(
    path: Path,
    project: Project = Project(),
    log: Callable[[str], None] = print,
    profile: str = "full",
    save_to: Path | None = None,
) -> None:
    """Run notebook ``path`` top to bottom in a fresh kernel, in ``profile``, and save it: in place with its
    stamp, or with ``save_to`` as an unstamped copy in that folder (the smoke profile's look at the series).

    The notebook is written only once every cell has run; on an error it is left as it was and
    the error names the notebook and the cell.
    """
    from jupyter_client.manager import KernelManager
    from nbclient.exceptions import CellExecutionError

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # timestamps: they would change the file at every run
    code_cells = sum(cell.cell_type == "code" for cell in notebook.cells)
    started = time.monotonic()
    done = 0

    def report(cell: nbformat.NotebookNode, **_: object) -> None:
        nonlocal done
        if cell.cell_type == "code":
            done += 1
            log(f"{path.stem}: cell {done}/{code_cells} done, {time.monotonic() - started:.0f} s")

    inputs = stamp(path, project.models_dir, project.photos_dir)
    previous = os.environ.get(PROFILE_ENV_VAR)
    os.environ[PROFILE_ENV_VAR] = profile  # the kernel inherits it
    try:
        # The kernel talks over Unix sockets, not loopback TCP: nothing to eavesdrop on, no warning on the terminal.
        with tempfile.TemporaryDirectory(prefix="fmnist-kernel-") as sockets:
            kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "ipc"))
            client = _EchoingClient(
                notebook,
                km=kernel,
                timeout=None,
                record_timing=False,
                echo=lambda line: log(f"{path.stem}: {line}"),
                resources={"metadata": {"path": str(path.parent)}},
                on_cell_executed=report,
            )
            try:
                client.execute()
            finally:  # a kernel manager passed in is the caller's to stop
                if kernel.has_kernel:
                    kernel.shutdown_kernel(now=True)
    except CellExecutionError as err:
        raise NotebookError(f"{path}: a cell failed, so the notebook was left as it was:\n{err}") from err
    finally:
        if previous is None:
            os.environ.pop(PROFILE_ENV_VAR)
        else:
            os.environ[PROFILE_ENV_VAR] = previous
    if save_to is None:
        notebook.metadata[STAMP_KEY] = {"inputs_sha256": inputs}
    target = path if save_to is None else Path(save_to) / path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as tmp:
        nbformat.write(notebook, tmp)
    log(
        f"{path.stem}: executed in {time.monotonic() - started:.0f} s"
        + ("" if save_to is None else f", saved as {target}")
    )


def run_smoke(
    out: Path = SMOKE_DIR / "notebooks", project: Project = Project(), log: Callable[[str], None] = print
) -> list[Path]:
    """Execute the whole series in the smoke profile (small data, one epoch), as CI does, and save the
    executed copies in ``out``; its models and figures go to the smoke profile's scratch folders, so
    nothing in the project is rewritten. Returns the copies' paths."""
    series = notebooks(project.notebooks_dir)
    for path in series:
        execute(path, project, log, profile="smoke", save_to=out)
    return [Path(out) / path.name for path in series]


class _EchoingClient(NotebookClient):
    """A client that also passes each line a cell prints to ``echo`` as it arrives (02's epoch lines)."""

    def __init__(self, notebook: nbformat.NotebookNode, echo: Callable[[str], None], **kwargs):
        super().__init__(notebook, **kwargs)
        self.echo = echo

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> object:
        if msg["msg_type"] == "stream" and msg["content"].get("name") == "stdout":
            for line in msg["content"]["text"].splitlines():
                self.echo(line)
        return super().output(outs, msg, display_id, cell_index)


def plan(everything: bool = False, project: Project = Project()) -> list[Step]:
    """The steps that bring ``project`` up to date, in order, as far as can be told before any runs;
    with ``everything``, every notebook runs."""
    return list(_steps(everything, project, dry_run=True))


def regenerate(everything: bool = False, project: Project = Project(), log: Callable[[str], None] = print) -> list[str]:
    """Bring everything derived up to date, in dependency order; return the names of the steps run.

    Each step is decided once the ones before it have run: a retrained model makes the records
    and notebooks that read it stale, and a retrain to the same weights makes nothing stale.
    """
    done = []
    for step in _steps(everything, project):
        log(f"== {step.name}")
        step.run()
        done.append(step.name)
    if not done:
        log("Everything is up to date.")
    return done


def _steps(everything: bool, project: Project, dry_run: bool = False) -> Iterable[Step]:
    from fmnist.analysis import experiments, label_noise, robustness

    series = notebooks(project.notebooks_dir)
    writers = [path for path in series if path.stem in (*TRAINS, *READS_NO_MODEL)]
    readers = [path for path in series if path not in writers]
    oof_path = Path(project.experiments_dir) / experiments.OOF_PATH.name
    dirs = {"experiments_dir": project.experiments_dir, "models_dir": project.models_dir}

    upstream = False  # in a dry run: whether a step before may make later ones stale
    for name in TRAINED_HERE:
        if not model_is_current(name, project.models_dir):
            upstream = True
            yield Step(f"train {name}", lambda name=name: _train(name, project))
    for path in writers:
        if everything or not notebook_is_current(path, project):
            upstream = True
            yield Step(f"execute {path.name}", lambda path=path: execute(path, project))
    if dry_run and upstream:
        yield Step("record whatever the steps above make stale", lambda: None)
    if not label_noise.is_current(oof_path):
        upstream = True
        yield Step("out-of-fold scores", lambda: _out_of_fold(oof_path, project))
    for name in experiments.EXPERIMENTS:
        if not experiments.is_current(name, **dirs):
            upstream = True
            yield Step(f"record {name}", lambda name=name: experiments.record(name, source=project.data, **dirs))
    for name in robustness.recorded_names():
        if not robustness.is_current(name, **dirs):
            upstream = True
            yield Step(
                f"record {name} on corrupted test images",
                lambda name=name: robustness.record(name, source=project.data, **dirs),
            )
    if not _samples_are_current(project):
        upstream = True
        yield Step("sample photos", lambda: _write_samples(project))
    for path in readers:
        if everything or (dry_run and upstream) or not notebook_is_current(path, project):
            yield Step(f"execute {path.name}", lambda path=path: execute(path, project))
    for block_name, table in _readme_tables(project).items():
        if not _block_is_current(project, block_name, table):
            yield Step(f"README's {block_name} table", lambda block_name=block_name: _update_block(project, block_name))


def _train(name: str, project: Project) -> None:
    from fmnist.training.train import train

    train(name, source=project.data, models_dir=project.models_dir)


def _samples_are_current(project: Project) -> bool:
    from fmnist.analysis.renders import samples_are_current
    from fmnist.data import load

    _, test = load(project.data)
    return samples_are_current(*test, project.photos_dir)


def _write_samples(project: Project) -> None:
    from fmnist.analysis.renders import write_samples
    from fmnist.data import load

    _, test = load(project.data)
    write_samples(*test, project.photos_dir)


def _out_of_fold(path: Path, project: Project) -> None:
    from fmnist.analysis import label_noise
    from fmnist.data import load

    (x, y), _ = load(project.data)
    label_noise.save_probs(path, label_noise.out_of_fold_probs(x, y))


def _readme_tables(project: Project) -> dict[str, Callable[[], str]]:
    """README's generated tables, by block name: the answers (05) and the robustness table (07)."""
    from fmnist.analysis import experiments, robustness
    from fmnist.data import load

    def labels() -> object:
        return load(project.data)[1][1]

    return {
        experiments.README_BLOCK: lambda: experiments.answers_table(labels(), project.experiments_dir),
        robustness.README_BLOCK: lambda: robustness.readme_table(labels(), project.experiments_dir),
    }


def _block_is_current(project: Project, name: str, table: Callable[[], str]) -> bool:
    """Whether README's block ``name`` holds ``table()``; not while a record it needs is missing (a dry run's)."""
    from fmnist.tools.readme import block

    try:
        return block(name, table()) in Path(project.readme).read_text(encoding="utf-8")
    except MissingFileError:
        return False


def _update_block(project: Project, name: str) -> None:
    from fmnist.tools.readme import update_block

    update_block(name, _readme_tables(project)[name](), project.readme)
