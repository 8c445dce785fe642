"""The ``fmnist`` command: every Makefile target that runs project code calls one of its subcommands."""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from fmnist.config import CLASS_NAMES, MODELS_DIR, SEED, SMOKE_DIR, card_path, weights_path
from fmnist.errors import FmnistError
from fmnist.runtime import start_tensorflow


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit status.

    The project's own errors (a bad file, photo or request) become one ``error:`` line and exit
    status 1; any other exception is a bug and keeps its traceback.
    """
    args = _parser().parse_args(argv)
    try:
        return args.command(args)
    except FmnistError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


def _data(args: argparse.Namespace) -> int:
    import numpy as np

    from fmnist.data import checksum, locate

    source = locate(args.data)
    splits = source.read()
    print(f"Fashion-MNIST found: {source.kind.upper()} files in {source.path}")
    for split, (images, labels) in zip(("train", "test"), splits):
        counts = np.bincount(labels, minlength=len(CLASS_NAMES))
        print(f"  {split}: images {images.shape} {images.dtype}, labels per class {counts.tolist()}")
    print(f"  sha256 of the arrays: {checksum(splits)}")
    return 0


def _train(args: argparse.Namespace) -> int:
    print(start_tensorflow())
    from fmnist.training.train import train

    result = train(
        args.model,
        epochs=args.epochs,
        train_size=args.train_size,
        source=args.data,
        models_dir=args.models_dir,
        seed=args.seed,
        strategy=args.strategy,
        verbose=1 if sys.stdout.isatty() else 2,
    )
    if result.card is None:
        print(f"Trained {args.model} as a worker of a multi-worker cluster; the chief saves the model")
        return 0
    card = result.card
    print(
        f"Trained {card['model']} in {card['training_seconds']:.0f} s: "
        f"test accuracy {card['test_accuracy']:.4f}, "
        f"best validation accuracy {card['best_val_accuracy']:.4f}"
    )
    print(f"Saved {weights_path(args.model, args.models_dir)} and its card {card_path(args.model, args.models_dir)}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    print(start_tensorflow())
    from fmnist.analysis.evaluate import evaluate
    from fmnist.data import load
    from fmnist.inference.trained_model import TrainedModel

    _, (x_test, y_test) = load(args.data)
    path = args.path or weights_path(args.model, args.models_dir)
    result = evaluate(TrainedModel.load(path), x_test, y_test)
    print(f"{path}: test accuracy {result.accuracy:.4f} on {len(y_test)} images\n")
    print(result.report)
    return 0


def _predict(args: argparse.Namespace) -> int:
    start_tensorflow()  # quietly: stdout carries the results alone
    from fmnist.inference.classify import as_batch, gather, render, save_inputs, top_k
    from fmnist.inference.trained_model import TrainedModel

    path = args.path or weights_path(args.model, args.models_dir)
    model = TrainedModel.load(path)  # a missing or damaged model fails here, before any file is read
    inputs = gather(args.paths)
    for failure in inputs.failures:
        print(f"error: {failure}", file=sys.stderr)
    for warning in inputs.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if inputs.images:
        probs = model.predict(as_batch(inputs.images))
        print(render(inputs.names, top_k(probs, args.top_k), args.format, inputs.boxes))
        if args.save_inputs:
            saved = save_inputs(inputs.names, inputs.images, args.save_inputs)
            print(f"wrote the {len(saved):,} images the model saw (28x28 PNG) to {args.save_inputs}", file=sys.stderr)
    return 1 if inputs.failures else 0


def _export(args: argparse.Namespace) -> int:
    print(start_tensorflow())
    from fmnist.inference.trained_model import TrainedModel

    for kind, path in TrainedModel.saved(args.model, args.models_dir).export(args.out).items():
        print(f"{kind:12} {path}")
    return 0


def _experiments(args: argparse.Namespace) -> int:
    print(start_tensorflow())
    from fmnist.analysis.experiments import EXPERIMENTS, OOF_PATH, record, update_readme
    from fmnist.analysis.label_noise import is_current
    from fmnist.data import load

    if not args.names and not is_current(OOF_PATH):
        _out_of_fold(args)
    from fmnist.analysis import robustness

    for name in args.names or EXPERIMENTS:
        print(f"Experiment {name}: results in {record(name, source=args.data)}", flush=True)
        if name in robustness.recorded_names():
            print(f"  on corrupted test images: {robustness.record(name, source=args.data)}", flush=True)
    _, (_, y_test) = load(args.data)
    update_readme(y_test)
    print("Updated README's table of answers")
    if all(robustness.record_path(name).is_file() for name in robustness.recorded_names()):
        robustness.update_readme(y_test)
        print("Updated README's robustness table")
    return 0


def _out_of_fold(args: argparse.Namespace) -> int:
    print(start_tensorflow())
    from fmnist.analysis.experiments import OOF_PATH
    from fmnist.analysis.label_noise import out_of_fold_probs, save_probs
    from fmnist.data import load

    (x, y), _ = load(args.data)
    save_probs(OOF_PATH, out_of_fold_probs(x, y, folds=args.folds))
    print(f"Saved out-of-fold probabilities of the {len(y)} training images to {OOF_PATH}")
    return 0


def _regenerate(args: argparse.Namespace) -> int:
    from fmnist.tools.regenerate import plan, regenerate, run_smoke

    if args.profile == "smoke":
        print(
            f"The smoke profile: every notebook on a small sample, trained for one epoch; the executed notebooks, "
            f"models and figures go to {SMOKE_DIR}, and nothing in the project is rewritten.",
            flush=True,
        )
        run_smoke()
        return 0

    steps = plan(everything=args.all)
    print("Out of date, in this order:" if steps else "Everything is up to date.")
    for step in steps:
        print(f"  {step.name}")
    if args.dry_run or not steps:
        return 0
    print("Executed notebooks are rewritten in place; a retrained model rewrites its files in models/.", flush=True)
    print(start_tensorflow())
    regenerate(everything=args.all)
    return 0


def _bench(args: argparse.Namespace) -> int:
    from fmnist.tools.bench.runs import bracketed, plan, run_benchmark

    runs = bracketed([(name, SEED) for name in args.models]) if args.models else plan(long=args.long)
    run_benchmark(runs, args.precision)
    return 0


def _speed(args: argparse.Namespace) -> int:
    from fmnist.tools.speed import run_speed_table

    run_speed_table()
    return 0


def _notebooks_sync(args: argparse.Namespace) -> int:
    from fmnist.tools.notebook_cells import sync_all

    sync_all()
    return 0


DATA_HELP = (
    "directory of Kaggle CSVs or IDX files (default: search $FMNIST_DATA, data/, "
    "/usr/share/datasets/fashion-mnist, /kaggle/input, the Keras cache, then download)"
)


def _parser() -> argparse.ArgumentParser:
    from fmnist.training.recipes import DEFAULT_MODEL, RECIPES  # names only: no Keras is imported

    parser = argparse.ArgumentParser(
        prog="fmnist",
        description="Fashion-MNIST with TensorFlow/Keras: find the data, train, evaluate, benchmark.",
        epilog=f"Recipes: {', '.join(RECIPES)} (default: {DEFAULT_MODEL}). "
        "Run `fmnist COMMAND --help` for a command's options.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, func: Callable[[argparse.Namespace], int], help_text: str, data: bool = True):  # noqa: ANN202
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(command=func)
        if data:
            sub.add_argument("--data", type=Path, metavar="DIR", help=DATA_HELP)
        return sub

    command("data", _data, "Find and validate the data; print where it is and what it holds.")
    _train_options(command("train", _train, "Train a recipe and save its weights, history and model card."))
    _saved_model_options(
        command("evaluate", _evaluate, "Print test accuracy and the per-class report of a saved model."), path=True
    )
    _predict_options(
        command(
            "predict",
            _predict,
            "Classify your own images (photos are turned into Fashion-MNIST images first), folders of them, or "
            "Kaggle-style CSVs; exit status 1 if any file could not be used.",
            data=False,
        )
    )
    export = command(
        "export",
        _export,
        "Write a SavedModel, a float32 TFLite and an int8 TFLite file of a saved model; each takes raw uint8 "
        "images (n, 28, 28), with the scaling and the averaging over the recipe's views inside.",
    )
    _saved_model_options(export)
    export.add_argument(
        "--out", type=Path, default=Path("exported"), metavar="DIR", help="where to write (default: exported/)"
    )
    experiments = command(
        "experiments",
        _experiments,
        "Train what 04, 05 and 07 read and record their test predictions, and 07's predictions on corrupted "
        "test images and photo renders (up-to-date records are skipped; bench/README.md says how long each takes).",
    )
    experiments.add_argument(
        "names", nargs="*", help="experiments to run (default: the out-of-fold scores if out of date, then all)"
    )
    experiments.set_defaults(folds=5)
    regenerate = command(
        "regenerate",
        _regenerate,
        "Rebuild, in dependency order, what is derived from the recipes and the data and is out of date: committed "
        "models, experiment records, out-of-fold scores, notebooks' outputs and figures, README's answers.",
        data=False,
    )
    regenerate.add_argument("--all", action="store_true", help="execute every notebook, up to date or not (make run)")
    regenerate.add_argument("--dry-run", action="store_true", help="list the steps that are out of date, run none")
    regenerate.add_argument(
        "--profile",
        choices=("full", "smoke"),
        default="full",
        help="smoke: a first look at the whole series in minutes (small data, one epoch), written only into a "
        "scratch folder; full (default): the real results, in place",
    )
    oof = command(
        "out-of-fold",
        _out_of_fold,
        "Score every training image with a k-fold model that did not see it (04's label errors).",
    )
    oof.add_argument("--folds", type=int, default=5)
    _bench_options(
        command(
            "bench",
            _bench,
            "Train recipes from scratch, each in a fresh process, with costs in S (the original project's recipe's "
            "training time in the same run); write bench/results/ and README's table.",
            data=False,
        )
    )
    command(
        "speed", _speed, "Time CPU training under different settings (precision, batch, XLA, augmentation).", data=False
    )
    command(
        "notebooks-sync",
        _notebooks_sync,
        "Rewrite the Colab and Kaggle badges (notebooks, README) and setup cells from config.REPO_URL.",
        data=False,
    )
    return parser


def _train_options(train: argparse.ArgumentParser) -> None:
    from fmnist.training.recipes import DEFAULT_MODEL, RECIPES

    recipes = f"one of: {', '.join(RECIPES)} (default: {DEFAULT_MODEL})"
    train.add_argument("--model", default=DEFAULT_MODEL, metavar="RECIPE", help=recipes)
    train.add_argument("--epochs", type=int, help="override the recipe's epoch count")
    train.add_argument("--train-size", type=int, metavar="N", help="train on a stratified subset of N images")
    train.add_argument("--seed", type=int, default=SEED)
    train.add_argument("--models-dir", type=Path, default=MODELS_DIR, metavar="DIR")
    train.add_argument(
        "--strategy",
        default="auto",
        help="tf.distribute strategy: auto (default: a TPU if attached, all GPUs if several, else one "
        "device), default, mirrored, tpu or multiworker",
    )


def _saved_model_options(sub: argparse.ArgumentParser, path: bool = False) -> None:
    """``--model NAME`` in ``--models-dir``, or with ``path`` a ``--path`` to a weights file instead."""
    from fmnist.training.recipes import DEFAULT_MODEL

    which = sub.add_mutually_exclusive_group() if path else sub
    which.add_argument(
        "--model", default=DEFAULT_MODEL, help=f"name of a model in --models-dir (default: {DEFAULT_MODEL})"
    )
    if path:
        which.add_argument("--path", type=Path, help="a NAME.weights.h5 file, with NAME.card.json beside it")
    sub.add_argument("--models-dir", type=Path, default=MODELS_DIR, metavar="DIR")


def _predict_options(predict: argparse.ArgumentParser) -> None:
    from fmnist.inference.classify import FORMATS

    predict.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="image files, folders or CSV files")
    _saved_model_options(predict, path=True)
    predict.add_argument(
        "--top-k",
        type=int,
        default=1,
        choices=range(1, len(CLASS_NAMES) + 1),
        metavar="K",
        help="how many classes to report per image, most probable first (default: 1)",
    )
    predict.add_argument(
        "--format",
        default="table",
        choices=FORMATS,
        help="table (default), csv, or json (with where each photo's item was found)",
    )
    predict.add_argument(
        "--save-inputs",
        type=Path,
        metavar="DIR",
        help="also write each 28x28 image the model classified, as PNG, into DIR",
    )


def _bench_options(bench: argparse.ArgumentParser) -> None:
    from fmnist.tools.bench.runs import PRECISION_CHOICES
    from fmnist.training.recipes import DEFAULT_MODEL, LONG_MODEL

    bench.add_argument(
        "models",
        nargs="*",
        metavar="RECIPE",
        help=f"recipes to benchmark, beside baseline (default: baseline, tutorial_dense, {DEFAULT_MODEL} with 3 seeds)",
    )
    bench.add_argument(
        "--long", action="store_true", help=f"add the long recipe, {LONG_MODEL} (the default trained for more epochs)"
    )
    bench.add_argument(
        "--precision",
        default="float32",
        choices=PRECISION_CHOICES,
        help="what the recipes that allow a fast precision train in (default: float32, what a CPU without bfloat16 "
        "computes; fast: whatever this device computes fastest); the original recipe, S, is always float32",
    )
