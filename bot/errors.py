"""The answering side's domain errors (one line each for a user, like ``index.errors``)."""

from __future__ import annotations

from index import GeoqaError


class InvalidQuestion(GeoqaError):
    """A question that cannot be asked (empty, too long, …)."""
