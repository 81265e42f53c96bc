"""Specific exceptions the core raises; adapters and the CLI turn them into one polite line."""


class PaperbotError(Exception):
    """Base class: the message is fit to show a user as is."""


class ConfigError(PaperbotError):
    """The configuration file or environment holds a bad key or value."""


class IngestError(PaperbotError):
    """A source file or record cannot be read; other records are unaffected."""


class ModelNotFoundError(PaperbotError):
    """A summarization model is not available locally (and cannot be downloaded here)."""


class PaperNotFoundError(PaperbotError):
    """No paper has the id a user asked for."""


class ChannelNotFoundError(PaperbotError):
    """The channel has never been configured."""


class StoreError(PaperbotError):
    """The store is unreachable, corrupt, or at a schema version this code does not know."""
