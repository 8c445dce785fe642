"""Inference: a trained model on disk, its prediction views, photos, export and `fmnist predict`."""
