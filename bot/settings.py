"""Settings of the answering side (REPL, Discord), declared like ``index.settings``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from index.errors import ConfigError
from index.settings import INDEX_SETTINGS, Setting, get, get_bool, get_int

HISTORY_FILE = Setting(
    "GEOQA_HISTORY_FILE", "~/.geoqa_history", "Where the terminal REPL keeps its line history."
)

DISCORD_TOKEN = Setting("DISCORD_TOKEN", "", "The Discord bot token (keep it secret).")
DISCORD_GUILD_ID = Setting(
    "GEOQA_DISCORD_GUILD_ID", "", "Server (guild) id whose slash commands are synced at start-up."
)
DISCORD_COOLDOWN = Setting(
    "GEOQA_DISCORD_COOLDOWN", "5", "Seconds a member waits between two questions."
)
DISCORD_CONCURRENCY = Setting(
    "GEOQA_DISCORD_CONCURRENCY", "2", "Questions answered at once; the rest wait their turn."
)
DISCORD_ADMIN_ROLES = Setting(
    "GEOQA_DISCORD_ADMIN_ROLES", "", "Comma-separated role ids allowed to use the admin commands."
)
DISCORD_ADMIN_USERS = Setting(
    "GEOQA_DISCORD_ADMIN_USERS", "", "Comma-separated user ids allowed to use the admin commands."
)

DISCORD_API_URL = Setting(
    "GEOQA_DISCORD_API_URL",
    "https://discord.com/api/v10",
    "Discord's REST API base (change only for a Discord-compatible test server).",
)
DISCORD_GATEWAY_URL = Setting(
    "GEOQA_DISCORD_GATEWAY_URL",
    "wss://gateway.discord.gg/",
    "Discord's gateway websocket (change only for a Discord-compatible test server).",
)
SYNC_MINUTES = Setting(
    "GEOQA_SYNC_MINUTES",
    "",
    "Minutes between the Discord bot's syncs of the followed feeds; empty or 0: no scheduled sync.",
)
DISCORD_NEWS_CHANNEL = Setting(
    "GEOQA_DISCORD_NEWS_CHANNEL",
    "",
    "Channel id where the bot posts a digest of the articles each sync added; empty: no digest.",
)

LOG_QUESTIONS = Setting(
    "GEOQA_LOG_QUESTIONS",
    "1",
    "1 keeps the question log (questions.sqlite beside the index; Discord always, the REPL and"
    " `geoqa ask` only with --log); 0 turns it off.",
)
DISCORD_THREADS = Setting(
    "GEOQA_DISCORD_THREADS",
    "1",
    "1 starts a thread on each answer in a server channel, for follow-up questions; 0 does not.",
)
DISCORD_MESSAGE_CONTENT = Setting(
    "GEOQA_DISCORD_MESSAGE_CONTENT",
    "0",
    "1 asks for the privileged message-content intent (enable it in the developer portal first):"
    " follow-ups in the bot's threads are answered without mentioning the bot.",
)

BOT_SETTINGS: tuple[Setting, ...] = (
    HISTORY_FILE,
    DISCORD_TOKEN,
    DISCORD_GUILD_ID,
    DISCORD_COOLDOWN,
    DISCORD_CONCURRENCY,
    DISCORD_ADMIN_ROLES,
    DISCORD_ADMIN_USERS,
    DISCORD_API_URL,
    DISCORD_GATEWAY_URL,
    SYNC_MINUTES,
    DISCORD_NEWS_CHANNEL,
    LOG_QUESTIONS,
    DISCORD_THREADS,
    DISCORD_MESSAGE_CONTENT,
)
ALL_SETTINGS: tuple[Setting, ...] = INDEX_SETTINGS + BOT_SETTINGS


@dataclass(frozen=True)
class ReplConfig:
    """Settings of the terminal REPL."""

    history_file: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ReplConfig:
        """Read the REPL settings from an environment mapping."""
        return cls(history_file=Path(get(env, HISTORY_FILE)).expanduser())


def _ids(env: Mapping[str, str], setting: Setting) -> frozenset[int]:
    raw = get(env, setting)
    try:
        return frozenset(int(part) for part in raw.replace(" ", "").split(",") if part)
    except ValueError:
        raise ConfigError(
            f"{setting.name} must be comma-separated numeric ids, not {raw!r}"
        ) from None


def _channel_id(env: Mapping[str, str], setting: Setting) -> int | None:
    ids = _ids(env, setting)
    if len(ids) > 1:
        raise ConfigError(f"{setting.name} takes one channel id")
    return next(iter(ids), None)


@dataclass(frozen=True)
class DiscordConfig:
    """Settings of the Discord bot. ``repr`` never shows the token."""

    token: str = dataclasses.field(repr=False)
    guild_id: int | None
    cooldown_s: float
    concurrency: int
    admin_role_ids: frozenset[int]
    admin_user_ids: frozenset[int]
    api_url: str = DISCORD_API_URL.default
    gateway_url: str = DISCORD_GATEWAY_URL.default
    sync_minutes: float = 0.0  # 0: no scheduled sync
    news_channel_id: int | None = None
    threads: bool = True
    message_content: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> DiscordConfig:
        """Read the bot settings; a missing token is a one-line error naming the variable."""
        token = get(env, DISCORD_TOKEN)
        if not token:
            raise ConfigError(
                f"{DISCORD_TOKEN.name} is not set: put your bot token in .env (see .env.example)"
            )
        guild = _ids(env, DISCORD_GUILD_ID)
        if len(guild) > 1:
            raise ConfigError(f"{DISCORD_GUILD_ID.name} takes one server id")
        return cls(
            token=token,
            guild_id=next(iter(guild), None),
            cooldown_s=float(get_int(env, DISCORD_COOLDOWN)),
            concurrency=get_int(env, DISCORD_CONCURRENCY, minimum=1),
            admin_role_ids=_ids(env, DISCORD_ADMIN_ROLES),
            admin_user_ids=_ids(env, DISCORD_ADMIN_USERS),
            api_url=get(env, DISCORD_API_URL),
            gateway_url=get(env, DISCORD_GATEWAY_URL),
            sync_minutes=float(get_int(env, SYNC_MINUTES) if get(env, SYNC_MINUTES) else 0),
            news_channel_id=_channel_id(env, DISCORD_NEWS_CHANNEL),
            threads=get_bool(env, DISCORD_THREADS),
            message_content=get_bool(env, DISCORD_MESSAGE_CONTENT),
        )


def log_questions(env: Mapping[str, str]) -> bool:
    """Whether the question log is on (``GEOQA_LOG_QUESTIONS``)."""
    return get_bool(env, LOG_QUESTIONS)
