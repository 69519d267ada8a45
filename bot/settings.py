"""Settings of the answering side (REPL, Discord), declared like ``index.settings``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from index.settings import INDEX_SETTINGS, Setting, get

HISTORY_FILE = Setting(
    "GEOQA_HISTORY_FILE", "~/.geoqa_history", "Where the terminal REPL keeps its line history."
)

BOT_SETTINGS: tuple[Setting, ...] = (HISTORY_FILE,)
ALL_SETTINGS: tuple[Setting, ...] = INDEX_SETTINGS + BOT_SETTINGS


@dataclass(frozen=True)
class ReplConfig:
    """Settings of the terminal REPL."""

    history_file: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ReplConfig:
        """Read the REPL settings from an environment mapping."""
        return cls(history_file=Path(get(env, HISTORY_FILE)).expanduser())
