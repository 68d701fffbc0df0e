"""The package's exceptions: one base, and narrow kinds under it.

The CLI turns any ``PoseLoopsError`` into a one-line message and exit code 2;
the server turns it into a 4xx JSON answer. Anything else is a bug.
"""


class PoseLoopsError(Exception):
    """Base of every error PoseLoops raises on purpose."""


class ParameterError(PoseLoopsError, ValueError):
    """A value given by the caller is out of range or of the wrong shape.

    ``argument`` names the function argument it is about (``"temperature"``), where one is
    to blame: the server answers with that field, so a route never guesses.
    """

    def __init__(self, message: str, *, argument: str | None = None):
        super().__init__(message)
        self.argument = argument

    def __reduce__(self):  # keeps ``argument`` across processes (pickling passes only the message)
        return type(self), (str(self),), {"argument": self.argument}


class InputError(PoseLoopsError):
    """An input file or buffer cannot be read: missing, corrupt, not what its name says."""


class NoPersonError(InputError):
    """A pose was asked for, but no person was found in the picture."""


class KitError(PoseLoopsError):
    """A drum kit cannot be found or has no usable samples."""


class ModelError(PoseLoopsError):
    """Model weights are missing or do not match their spec."""
