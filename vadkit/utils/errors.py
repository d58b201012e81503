"""Errors caused by what a user gave vadkit (a path, a config, a checkpoint, data).

The tools print these as one line and exit with status 2, without a traceback
(:func:`vadkit.utils.cli.run_tool`); anything else is a bug and keeps its traceback.
"""


class VadkitUserError(Exception):
    """Base class of errors that the user can fix from the message alone."""


class ConfigError(VadkitUserError):
    """A config file is missing, unreadable or inconsistent."""


class CheckpointError(VadkitUserError):
    """A checkpoint is missing, unsafe to load, or does not fit the model."""


class UnsafeCheckpointError(CheckpointError):
    """A checkpoint refers to a Python object outside vadkit's allow-list."""


class CheckpointMismatchError(CheckpointError):
    """A checkpoint's weights belong to another model."""


class DataError(VadkitUserError):
    """Input data (a feature file, an annotation, a frame folder) is missing or malformed;
    the message names the file, the video and the field."""
