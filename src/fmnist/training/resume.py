"""Training that survives interruption: a rerun resumes from the last finished epoch.

Keras ``BackupAndRestore`` keeps the model and optimizer state after every epoch; a per-epoch
log on disk keeps the history and the training time complete across restarts.
"""

import shutil
from collections.abc import Callable
from pathlib import Path

import keras
import pandas as pd

from fmnist.training.callbacks import EpochTimer


def fit_resumably(
    model: keras.Model, name: str, models_dir: Path, fit_args: dict, extra_callbacks: Callable[[Path], list]
) -> dict:
    """``model.fit(**fit_args)`` that resumes an interrupted run; return the complete per-epoch history.

    ``extra_callbacks(backup_dir)`` makes the callbacks added to the trainer's own; those with state
    to resume keep it in ``backup_dir``, saved in ``on_epoch_end`` (before the backup is).
    """
    backup_dir, epoch_log, resuming = resume_files(name, models_dir)

    def fit():
        callbacks = [
            EpochTimer(),
            *extra_callbacks(backup_dir),
            keras.callbacks.CSVLogger(epoch_log, append=True),
            # double_checkpoint: a backup cut short by a kill falls back to the epoch before.
            keras.callbacks.BackupAndRestore(backup_dir, double_checkpoint=True),
        ]
        model.fit(callbacks=callbacks, **fit_args)

    try:
        fit()
    except (OSError, ValueError):  # h5py's error, or Keras's for the objects it could not load from it
        if not resuming:
            raise
        # Killed while writing a backup that double_checkpoint cannot fall back from (its very first,
        # or under Keras versions that raise instead of falling back): nothing usable to resume from.
        print(f"The backup in {backup_dir} is unreadable; training {name} from the start")
        backup_dir, epoch_log, _ = resume_files(name, models_dir, discard=True)
        fit()
    # An epoch logged just before a kill, but not yet backed up, was trained again: keep the rerun.
    epoch_rows = pd.read_csv(epoch_log).drop_duplicates("epoch", keep="last")
    return epoch_rows.drop(columns="epoch").to_dict(orient="list")


def resume_files(name: str, models_dir: Path, discard: bool = False) -> tuple[Path, Path, bool]:
    """The backup folder and per-epoch log for this run, and whether it resumes an interrupted one.

    Without a backup (or with ``discard``) there is nothing to resume: leftovers are removed.
    Keras deletes its backup when training ends; the epoch log is ours to remove.
    """
    backup_dir = Path(models_dir) / f".{name}.backup"
    epoch_log = Path(models_dir) / f".{name}.epochs.csv"
    resuming = not discard and backup_dir.is_dir() and epoch_log.is_file()
    if resuming:
        logged = len(pd.read_csv(epoch_log))
        print(f"Resuming {name} from the backup of an interrupted run ({logged} epochs logged) in {backup_dir}")
    else:
        shutil.rmtree(backup_dir, ignore_errors=True)
        epoch_log.unlink(missing_ok=True)
    backup_dir.parent.mkdir(parents=True, exist_ok=True)
    return backup_dir, epoch_log, resuming
