"""Domain errors. Each one reads as a single line for a user; the edges (CLI, Discord) print it."""

from __future__ import annotations

from pathlib import Path

REBUILD_HINT = "run `geoqa index build`"


class GeoqaError(Exception):
    """Base class for errors that are shown to a user as one line, without a traceback."""


class ConfigError(GeoqaError):
    """A setting has a value that cannot be used."""


class BadArticle(GeoqaError):
    """An article file that cannot be read; names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class CorpusError(GeoqaError):
    """Files were skipped while ``--strict`` asked for a clean corpus."""


class IndexMissing(GeoqaError):
    """There is no built index where one was expected."""

    def __init__(self, index_dir: Path | str) -> None:
        super().__init__(f"no index in {index_dir}; {REBUILD_HINT}")


class IndexMismatch(GeoqaError):
    """The index on disk was built with other settings than the ones configured now."""

    def __init__(self, index_dir: Path | str, what: str) -> None:
        super().__init__(f"the index in {index_dir} {what}; {REBUILD_HINT}")


class IndexDamaged(GeoqaError):
    """A part of the live build (a file, or a Qdrant collection) is missing, truncated or not
    what its manifest recorded; ``where`` names it."""

    def __init__(self, where: Path | str, what: str) -> None:
        self.where = str(where)
        super().__init__(f"the index is damaged: {where} {what}; {REBUILD_HINT}")


class InvalidFilter(GeoqaError):
    """A search filter that cannot be used (a date that doesn't parse, …)."""


class Rejected(GeoqaError):
    """A source to add that was read but holds no usable article; ``reason`` is one line."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")
