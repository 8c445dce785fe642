"""Project-wide constants: paths, class names and the data search places."""

import os
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJ_ROOT / "data"
MODELS_DIR = PROJ_ROOT / "models"
ASSETS_DIR = PROJ_ROOT / "assets"

#: Where Debian's ``dataset-fashion-mnist`` package installs the IDX files.
DEBIAN_DATA_DIR = Path("/usr/share/datasets/fashion-mnist")
#: Environment variable naming a directory of CSV or IDX files to use first.
DATA_ENV_VAR = "FMNIST_DATA"

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

SEED = 42


def model_path(name: str, models_dir: Path = MODELS_DIR) -> Path:
    """The saved Keras model called ``name``."""
    return Path(models_dir) / f"{name}.keras"


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
