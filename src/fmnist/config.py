"""Project-wide constants: paths, class names, data search places and run profiles."""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from fmnist.errors import UsageError

T = TypeVar("T")

PROJ_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJ_ROOT / "data"
MODELS_DIR = PROJ_ROOT / "models"
ASSETS_DIR = PROJ_ROOT / "assets"

#: Where Debian's ``dataset-fashion-mnist`` package installs the IDX files.
DEBIAN_DATA_DIR = Path("/usr/share/datasets/fashion-mnist")
#: Where Kaggle mounts the datasets attached to a notebook (``<slug>/`` or ``datasets/<owner>/<slug>/``).
KAGGLE_INPUT_DIR = Path("/kaggle/input")
#: Environment variable naming a directory of CSV or IDX files to use first.
DATA_ENV_VAR = "FMNIST_DATA"

#: The project's repository: the notebooks' Colab badges and setup cells are made from it
#: (after changing it, run `make notebooks-sync`).
REPO_URL = "https://github.com/fmnist-project/fashion-mnist"

KAGGLE_URL = "https://www.kaggle.com/datasets/zalando-research/fashionmnist"

CLASS_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
NUM_CLASSES = len(CLASS_NAMES)
IMAGE_SHAPE = (28, 28)
#: The four upper-body classes the original project found hard to tell apart, hardest first.
LOOKALIKE_CLASSES = ("Shirt", "T-shirt/top", "Pullover", "Coat")

#: The random seed of every split, shuffle, initialisation and augmentation, unless told otherwise.
SEED = 42
#: The share of the training images held out for validation (choosing recipes, time to 91%).
VALIDATION_FRACTION = 0.1


def weights_path(name: str, models_dir: Path = MODELS_DIR) -> Path:
    """The weights of the trained model called ``name``; its card beside them names its recipe."""
    return Path(models_dir) / f"{name}.weights.h5"


def history_path(name: str, models_dir: Path = MODELS_DIR) -> Path:
    """Per-epoch training history (JSON) of the model called ``name``."""
    return Path(models_dir) / f"{name}.history.json"


def card_path(name: str, models_dir: Path = MODELS_DIR) -> Path:
    """Model card (JSON) of the model called ``name``."""
    return Path(models_dir) / f"{name}.card.json"


def keras_cache_dir() -> Path:
    """Directory where ``keras.datasets.fashion_mnist`` keeps its downloads."""
    keras_home = os.environ.get("KERAS_HOME") or Path.home() / ".keras"
    return Path(keras_home) / "datasets" / "fashion-mnist"


#: Environment variable choosing the run profile of the notebooks.
PROFILE_ENV_VAR = "FMNIST_PROFILE"
SMOKE_DIR = Path(tempfile.gettempdir()) / "fmnist-smoke"


@dataclass(frozen=True, kw_only=True)
class Profile:
    """How big a notebook run is: full for real results, smoke for CI."""

    name: str
    train_size: int | None  # images to train on; None: all 60,000
    test_size: int | None  # test images 02_train scores its models on; None: all 10,000
    epochs: int | None  # None: the recipe's own
    models_dir: Path  # where 02_train saves models
    assets_dir: Path  # where figures and tables are saved

    def choose(self, *, full: T, smoke: T) -> T:
        """A notebook's own setting for this profile: ``full`` in the full profile, else ``smoke``."""
        return full if self.name == "full" else smoke


PROFILES = {
    "full": Profile(
        name="full", train_size=None, test_size=None, epochs=None, models_dir=MODELS_DIR, assets_dir=ASSETS_DIR
    ),
    # Writes nothing into the project: the committed models and figures stay as they are.
    "smoke": Profile(
        name="smoke",
        train_size=2000,
        test_size=1000,
        epochs=1,
        models_dir=SMOKE_DIR / "models",
        assets_dir=SMOKE_DIR / "assets",
    ),
}


def active_profile() -> Profile:
    """The profile named by ``$FMNIST_PROFILE`` (default ``full``)."""
    name = os.environ.get(PROFILE_ENV_VAR, "full")
    if name not in PROFILES:
        raise UsageError(f"${PROFILE_ENV_VAR}={name!r} is not a profile; choose one of: {', '.join(PROFILES)}")
    return PROFILES[name]
