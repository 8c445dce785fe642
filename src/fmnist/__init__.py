"""Fashion-MNIST classification with TensorFlow/Keras CNNs."""

import os
from importlib.metadata import PackageNotFoundError, version

# Keep TensorFlow's C++ start-up chatter out of terminals and notebook outputs;
# this must happen before TensorFlow is first imported.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

try:
    __version__ = version("fmnist")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
