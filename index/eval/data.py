"""Reading evaluation data files: text and JSON lines, every problem one
:class:`DatasetError` line naming the file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from index.errors import GeoqaError


class DatasetError(GeoqaError):
    """An evaluation data file that is missing or malformed; names the file."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")


def read_text(path: Path) -> str:
    """A data file's text, or a :class:`DatasetError` naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DatasetError(path, "no such file") from None
    except IsADirectoryError:
        raise DatasetError(path, "is a folder, not a file") from None
    except UnicodeDecodeError:
        raise DatasetError(path, "not valid UTF-8") from None
    except OSError as exc:
        raise DatasetError(path, f"cannot read: {exc.strerror}") from None


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` for each non-blank line; a bad line is a :class:`DatasetError`."""
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DatasetError(path, f"line {number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise DatasetError(path, f"line {number}: expected a JSON object")
        yield number, row


def text_field(path: Path, number: int, row: dict, key: str, required: bool = True) -> str:
    """Field ``key`` of a JSON row as text (a number is accepted), or a :class:`DatasetError`."""
    value = row.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise DatasetError(path, f"line {number}: missing or non-text {key!r}")
    return str(value)
