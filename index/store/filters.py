"""Search filters: one outlet and/or a published date range, and the ``YYYY-MM-DD`` dates they
take. Each store applies them inside its searches (see :mod:`index.store.protocol`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from index.errors import InvalidFilter


def parse_day(text: str, what: str = "date") -> dt.date:
    """A ``YYYY-MM-DD`` date, or :class:`InvalidFilter` saying what was wrong."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidFilter(f"{what}: {text.strip()!r} is not a date (use YYYY-MM-DD)") from None


@dataclass(frozen=True)
class Filters:
    """Restrict a search to one outlet and/or a published date range (inclusive)."""

    source: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.source, self.since, self.until))

    def admits(self, source: str | None, published: str | None) -> bool:
        """Whether an article with this outlet and date passes the filters."""
        if self.source is not None and (source or "").casefold() != self.source.casefold():
            return False
        if self.since is None and self.until is None:
            return True
        if not published:
            return False
        day = dt.date.fromisoformat(published)
        return not (self.since and day < self.since) and not (self.until and day > self.until)
