"""The one exception the data layer raises."""


class DataError(ValueError):
    """Fashion-MNIST data that is missing or malformed.

    The message names the file and what is wrong with it, with the line and column (CSV)
    or byte offset (IDX) where that applies.
    """
