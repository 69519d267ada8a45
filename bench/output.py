"""How a benchmark reports: its peak memory, and its result as JSON or aligned lines."""

from __future__ import annotations

import json
import resource


def peak_rss_mb() -> int:
    """This process's peak resident memory, in MB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def show(result: dict, as_json: bool, width: int = 24) -> None:
    """Print ``result`` as one JSON object, or one ``key: value`` line per entry."""
    if as_json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>{width}}: {value}")
