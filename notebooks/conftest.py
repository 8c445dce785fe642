"""nbval runs the notebooks in the smoke profile unless FMNIST_PROFILE says otherwise."""

import os

# Kernels started by nbval inherit this environment.
os.environ.setdefault("FMNIST_PROFILE", "smoke")


def pytest_collectstart(collector):
    if collector.fspath and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
