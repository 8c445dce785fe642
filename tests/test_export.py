"""Exported models predict as the Keras inference model does: SavedModel, float32 and int8 TFLite."""

import numpy as np
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def exported(tmp_path_factory, real_splits):
    from fmnist.config import MODELS_DIR
    from fmnist.inference.trained_model import TrainedModel
    from fmnist.training.recipes import DEFAULT_MODEL

    (x_train, _), (x_test, y_test) = real_splits
    x_test, y_test = x_test[::4], y_test[::4]  # 2,500 images: the default predicts from ten views each
    model = TrainedModel.saved(DEFAULT_MODEL, MODELS_DIR)
    paths = model.export(tmp_path_factory.mktemp("exported"), representative=x_train[::240])
    keras_predicted = model.predict(x_test).argmax(axis=1)
    return paths, keras_predicted, x_test, y_test


def test_the_saved_model_agrees_with_the_keras_inference_model(exported):
    from fmnist.inference.export import saved_model_predictor

    paths, keras_predicted, x_test, _ = exported
    assert np.mean(saved_model_predictor(paths["saved_model"])(x_test).argmax(axis=1) == keras_predicted) >= 0.999


def test_the_float_tflite_file_agrees_with_the_keras_inference_model(exported):
    from fmnist.inference.export import tflite_predictor

    paths, keras_predicted, x_test, _ = exported
    assert np.mean(tflite_predictor(paths["float32"])(x_test).argmax(axis=1) == keras_predicted) >= 0.999


def test_the_int8_tflite_file_loses_at_most_half_a_point(exported):
    from fmnist.inference.export import tflite_predictor

    paths, keras_predicted, x_test, y_test = exported
    int8_accuracy = np.mean(tflite_predictor(paths["int8"])(x_test).argmax(axis=1) == y_test)
    assert int8_accuracy >= np.mean(keras_predicted == y_test) - 0.005
    assert paths["int8"].stat().st_size < paths["float32"].stat().st_size / 3
