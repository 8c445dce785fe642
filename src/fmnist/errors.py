"""The project's own errors: what a user can put right (a file, a photo, a request).

``fmnist`` prints any of them as one ``error:`` line with exit status 1; every other exception
is a bug and keeps its traceback. Each is also the built-in error it refines (``ValueError`` or
``FileNotFoundError``), so callers that catch those keep working.
"""


class FmnistError(Exception):
    """Base of every error the project raises on purpose; the message says what to put right."""


class UsageError(FmnistError, ValueError):
    """A request the project cannot serve: an unknown recipe, experiment, strategy or setting."""


class MissingFileError(FmnistError, FileNotFoundError):
    """A file the request needs does not exist yet; the message names it and the command that makes it."""


class DataError(FmnistError, ValueError):
    """Fashion-MNIST data that is missing or malformed.

    The message names the file and what is wrong with it, with the line and column (CSV)
    or byte offset (IDX) where that applies.
    """


class ModelFileError(FmnistError, ValueError):
    """A saved model that cannot be used; the message names the file and what is wrong with it."""


class PhotoError(FmnistError, ValueError):
    """A file that cannot be used as a photo; the message names it and says why."""


class NotebookError(FmnistError, ValueError):
    """A notebook whose execution failed; the message names it and the cell, and the file is left as it was."""
