"""Weights saved under one tested environment load, and predict the same, under the other.

`make test-colab` runs the suite under Colab's versions with ``$FMNIST_OTHER_PYTHON`` naming the
newest environment's interpreter, so both directions are tested: newest to Colab's, and back.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

OTHER_PYTHON = os.environ.get("FMNIST_OTHER_PYTHON")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not OTHER_PYTHON, reason="needs a second environment: make test-colab runs it"),
]

# Train the default recipe for one epoch on random images (so batch norm has real statistics),
# save it as `fmnist train` does, and record the loaded model's predictions and library versions.
SAVE = """
import sys
import keras, numpy as np
from fmnist.files import write_json
from fmnist.inference.model_files import save_weights
from fmnist.inference.trained_model import TrainedModel
from fmnist.training.recipes import get_recipe
from fmnist.training.train import compiled_model

folder = sys.argv[1]
keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
images, labels = rng.random((64, 28, 28, 1), dtype=np.float32), np.eye(10)[rng.integers(0, 10, 64)]
model = compiled_model(get_recipe("vgg_bn"), images, 1)
model.fit(images, labels, batch_size=32, epochs=1, verbose=0)
sha = save_weights(model, "vgg_bn", f"{folder}/vgg_bn.weights.h5")
write_json(f"{folder}/vgg_bn.card.json", {"recipe_name": "vgg_bn", "weights_sha256": sha})
np.save(f"{folder}/expected.npy", TrainedModel.load(f"{folder}/vgg_bn.weights.h5").network.predict(images[:8], verbose=0))
print(keras.__version__)
"""
LOAD = """
import sys
import keras, numpy as np
from fmnist.inference.trained_model import TrainedModel

folder = sys.argv[1]
images = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
np.save(f"{folder}/loaded.npy", TrainedModel.load(f"{folder}/vgg_bn.weights.h5").network.predict(images[:8], verbose=0))
print(keras.__version__)
"""


@pytest.mark.parametrize("saver, loader", [(sys.executable, OTHER_PYTHON), (OTHER_PYTHON, sys.executable)])
def test_weights_cross_between_keras_versions(tmp_path, saver, loader):
    versions = []
    for python, script in ((saver, SAVE), (loader, LOAD)):
        result = subprocess.run([python, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        versions.append(result.stdout.split()[-1])
    assert versions[0] != versions[1], f"both environments run Keras {versions[0]}"
    np.testing.assert_allclose(
        np.load(tmp_path / "loaded.npy"), np.load(tmp_path / "expected.npy"), rtol=1e-5, atol=1e-6
    )
