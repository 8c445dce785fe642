"""Let a notebook's reader bring photos of their own: Colab's upload dialog, a Jupyter upload widget,
or, where neither can be shown (nbval, a plain kernel), the sample photos."""

import sys
import tempfile
from pathlib import Path


def photo_upload() -> list[Path] | object | None:
    """In Colab: open the upload dialog and return the paths of the uploaded files. In Jupyter: show an
    upload widget and return it (read it with :func:`chosen_photos` once files are picked). Else None."""
    if "google.colab" in sys.modules:
        from google.colab import files  # Colab's own module: writes the uploads into the working folder

        return [Path(name).resolve() for name in files.upload()]
    try:
        import ipywidgets
        from IPython.display import display
    except ImportError:
        return None
    upload = ipywidgets.FileUpload(accept="image/*", multiple=True, description="Upload photos")
    display(upload)
    return upload


def chosen_photos(upload: list[Path] | object | None, default: list[Path], directory: Path | None = None) -> list[Path]:
    """The photos the reader picked (a widget's files are written into ``directory``, by default a new
    temporary folder), or ``default``."""
    if isinstance(upload, list):
        return upload or list(default)
    files = getattr(upload, "value", ())
    if not files:
        return list(default)
    directory = Path(directory or tempfile.mkdtemp(prefix="fmnist-uploads-"))
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for file in files:
        paths.append(directory / Path(file["name"]).name)
        paths[-1].write_bytes(bytes(file["content"]))
    return paths
