"""The data layer: find, read and validate Fashion-MNIST, and feed it to Keras.

``load()`` returns arrays exactly like ``keras.datasets.fashion_mnist.load_data()``;
``make_dataset()`` (in :mod:`fmnist.data.pipeline`, imported on use because it needs
TensorFlow) builds the ``tf.data`` pipeline.
"""

from fmnist.config import CLASS_NAMES
from fmnist.data.sources import Source, checksum, load, locate
from fmnist.errors import DataError

__all__ = ["CLASS_NAMES", "DataError", "Source", "checksum", "load", "locate"]
