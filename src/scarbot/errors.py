"""Errors that speak to the person who hit them: what went wrong and what to run next."""

from __future__ import annotations


class ScarbotError(Exception):
    """Base class; ``str(err)`` is a sentence a user can act on."""


class InputError(ScarbotError):
    """The question or history cannot be used (empty, too long, wrong shape)."""


class CorpusError(ScarbotError):
    """A corpus file cannot be read or parsed; the index is left as it was."""


class IndexMissingError(ScarbotError):
    """No index has been built yet."""


class IndexMismatchError(ScarbotError):
    """The index was built with another embedding model or is corrupt."""


class BackendError(ScarbotError):
    """A configured backend (Chroma server, LLM endpoint) cannot be reached or misbehaves."""


class SettingsError(ScarbotError, ValueError):
    """A setting (``SCARBOT_*`` variable, ``.env`` line or argument) has a value it cannot take."""


class DataDirError(ScarbotError):
    """The data folder cannot be used: read-only, not a folder, or not creatable."""


class IngestLockedError(ScarbotError):
    """Another ``scarbot ingest`` holds the data folder."""


class FeedbackError(ScarbotError):
    """A rating could not be stored or read; the message says why and whether anything was lost."""
