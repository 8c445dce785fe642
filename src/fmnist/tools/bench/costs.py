"""Costs in S: each run's training time divided by that of the original project's recipe in the same run."""

from fmnist.errors import UsageError

#: The recipe whose training time is the unit of cost, S: the original project's.
SEED_RECIPE = "baseline"


def _seed_trainings(results: dict) -> list[float]:
    """The training seconds of every run of the original project's recipe in ``results``."""
    return [row["training_seconds"] for row in results["models"] if row["model"] == SEED_RECIPE]


def seed_seconds(results: dict) -> float:
    """S: the training seconds of the original project's recipe in ``results``, the mean where it trained
    more than once (a benchmark trains it first and last, so that S spans the machine's drift over the run)."""
    seconds = _seed_trainings(results)
    if not seconds:
        raise UsageError(f"no {SEED_RECIPE!r} row in the results: S is unknown")
    return sum(seconds) / len(seconds)


def how_s_was_taken(results: dict) -> str:
    """ ", the mean of its trainings first and last" where the original recipe trained twice in ``results``, else ""."""
    return ", the mean of its trainings first and last" if len(_seed_trainings(results)) > 1 else ""


def with_costs_in_s(results: dict) -> dict:
    """``results`` with each row's training time and time to 91% validation accuracy also in S."""
    unit = seed_seconds(results)
    for row in results["models"]:
        row["training_in_s"] = row["training_seconds"] / unit
        row["to_91_val_in_s"] = None if row["seconds_to_91_val"] is None else row["seconds_to_91_val"] / unit
    return results
