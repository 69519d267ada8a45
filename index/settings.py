"""Settings of the index side: names, defaults and help, read once at the edge.

Every setting that geoqa reads from the environment is declared as a :class:`Setting` (here or in
``bot.settings``); a test checks that each one is documented in ``.env.example`` and the README.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from index.errors import ConfigError


@dataclass(frozen=True)
class Setting:
    """One environment variable: its name, default and a line of help."""

    name: str
    default: str
    help: str


CORPUS_DIR = Setting("GEOQA_CORPUS_DIR", "corpus", "Folder of article files (.md, .txt, .html).")
INDEX_DIR = Setting("GEOQA_INDEX_DIR", "var/index", "Folder holding the built index and cache.")
EMBED_MODEL = Setting(
    "GEOQA_EMBED_MODEL",
    "all-MiniLM-L6-v2",
    "Embedding model: the packaged all-MiniLM-L6-v2 (default), a local path, or a Hub name.",
)
THREADS = Setting("GEOQA_THREADS", "0", "CPU threads for embedding; 0 uses every core.")
BACKEND_AUTO = "auto"
BACKEND_TORCH = "torch"
BACKEND_ONNX_INT8 = "onnx-int8"
EMBED_BACKENDS = (BACKEND_AUTO, BACKEND_TORCH, BACKEND_ONNX_INT8)
EMBED_BACKEND = Setting(
    "GEOQA_EMBED_BACKEND",
    BACKEND_AUTO,
    "How the model runs: auto (onnx-int8 for the packaged model, torch for any other), torch"
    " (sentence-transformers) or onnx-int8 (onnxruntime, the export in GEOQA_ONNX_DIR).",
)
ONNX_DIR = Setting(
    "GEOQA_ONNX_DIR",
    "var/onnx/all-MiniLM-L6-v2-int8",
    "Folder of the ONNX export used by the onnx-int8 backend (`geoqa index export-onnx`).",
)
ALLOW_PRIVATE_URLS = Setting(
    "GEOQA_ALLOW_PRIVATE_URLS",
    "0",
    "1 lets `add` fetch from loopback, private and other internal addresses (local testing only).",
)
FEEDS_FILE = Setting(
    "GEOQA_FEEDS_FILE",
    "feeds.toml",
    "The followed feeds (TOML) that `geoqa sync` and the Discord bot's scheduled sync read.",
)

STORE_LOCAL = "local"
STORE_QDRANT = "qdrant"
STORES = (STORE_LOCAL, STORE_QDRANT)
STORE = Setting(
    "GEOQA_STORE",
    STORE_LOCAL,
    "Where the index lives: local (FAISS + SQLite + BM25 in GEOQA_INDEX_DIR) or qdrant.",
)
QDRANT_URL = Setting(
    "GEOQA_QDRANT_URL",
    "http://localhost:6333",
    "The Qdrant server (http/https URL), or a folder for Qdrant's embedded local mode.",
)
QDRANT_COLLECTION = Setting(
    "GEOQA_QDRANT_COLLECTION",
    "geoqa",
    "The Qdrant alias naming the live build; each build is a collection <alias>-<stamp>.",
)

INDEX_SETTINGS: tuple[Setting, ...] = (
    CORPUS_DIR,
    INDEX_DIR,
    EMBED_MODEL,
    THREADS,
    EMBED_BACKEND,
    ONNX_DIR,
    ALLOW_PRIVATE_URLS,
    FEEDS_FILE,
    STORE,
    QDRANT_URL,
    QDRANT_COLLECTION,
)
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def read_environment(dotenv_path: str | os.PathLike[str] | None = ".env") -> dict[str, str]:
    """Return the configuration environment: values from ``.env`` overridden by real env vars."""
    values: dict[str, str] = {}
    if dotenv_path is not None and Path(dotenv_path).is_file():
        values.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    values.update(os.environ)
    return values


def get(env: Mapping[str, str], setting: Setting) -> str:
    """The value of ``setting`` in ``env``, or its default when unset or blank."""
    value = env.get(setting.name, "").strip()
    return value or setting.default


def get_int(env: Mapping[str, str], setting: Setting, minimum: int = 0) -> int:
    """An integer setting, with a one-line error naming the variable when it is not one."""
    raw = get(env, setting)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{setting.name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{setting.name} must be at least {minimum}, not {value}")
    return value


def get_choice(env: Mapping[str, str], setting: Setting, choices: tuple[str, ...]) -> str:
    """A setting with a fixed set of values (case-insensitive), with a one-line error otherwise."""
    raw = get(env, setting).lower()
    if raw not in choices:
        raise ConfigError(f"{setting.name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


def get_bool(env: Mapping[str, str], setting: Setting) -> bool:
    """A yes/no setting (1/0, true/false, yes/no, on/off), with a one-line error otherwise."""
    raw = get(env, setting).lower()
    if raw in TRUE_WORDS:
        return True
    if raw in FALSE_WORDS:
        return False
    raise ConfigError(f"{setting.name} must be 1 or 0, not {raw!r}")


@dataclass(frozen=True)
class IndexConfig:
    """Where the corpus and index live and which model embeds them."""

    corpus_dir: Path
    index_dir: Path
    model: str
    threads: int = 0
    allow_private_urls: bool = False
    embed_backend: str = BACKEND_AUTO
    onnx_dir: Path = Path(ONNX_DIR.default)
    feeds_file: Path = Path(FEEDS_FILE.default)
    store: str = STORE_LOCAL
    qdrant_url: str = QDRANT_URL.default
    qdrant_collection: str = QDRANT_COLLECTION.default

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> IndexConfig:
        """Build the configuration from an environment mapping (see :func:`read_environment`)."""
        return cls(
            corpus_dir=Path(get(env, CORPUS_DIR)),
            index_dir=Path(get(env, INDEX_DIR)),
            model=get(env, EMBED_MODEL),
            threads=get_int(env, THREADS),
            allow_private_urls=get_bool(env, ALLOW_PRIVATE_URLS),
            embed_backend=get_choice(env, EMBED_BACKEND, EMBED_BACKENDS),
            onnx_dir=Path(get(env, ONNX_DIR)),
            feeds_file=Path(get(env, FEEDS_FILE)),
            store=get_choice(env, STORE, STORES),
            qdrant_url=get(env, QDRANT_URL),
            qdrant_collection=get(env, QDRANT_COLLECTION),
        )
