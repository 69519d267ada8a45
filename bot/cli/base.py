"""The command line's edge: the root group class that turns a :class:`~index.GeoqaError` into
one line on stderr and exit status 2, the exit codes, logging set-up, and the configuration
and embedder of one invocation, read once."""

from __future__ import annotations

import logging

import click

from index import GeoqaError, IndexConfig, read_environment

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PARTIAL = 1  # the command ran, but part of it failed (e.g. `add`: some sources)
EXIT_ERROR = 2  # usage, configuration or domain error (click's usage errors are 2 as well)
NOISY_LOGGERS = ("sentence_transformers", "transformers", "httpx", "bm25s")


class GeoqaGroup(click.Group):
    """A click group that turns :class:`GeoqaError` into one line and exit status 2."""

    def invoke(self, ctx: click.Context):
        """Run the command; a domain error becomes ``error: …`` on stderr and exit status 2."""
        try:
            return super().invoke(ctx)
        except GeoqaError as exc:
            log.info("command failed: %s", exc)
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_ERROR)


def setup_logging(verbose: int) -> None:
    """Configure logging for the command line: warnings, ``-v`` info, ``-vv`` debug."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    if verbose < 2:
        for noisy in NOISY_LOGGERS:
            logging.getLogger(noisy).setLevel(logging.WARNING)


def env_from(ctx: click.Context) -> dict[str, str]:
    """The configuration environment of this invocation (``.env`` and environment variables),
    read once; a caller may pass its own as ``obj["env"]``."""
    root = ctx.find_root()
    root.ensure_object(dict)
    if "env" not in root.obj:
        root.obj["env"] = read_environment()
    return root.obj["env"]


def config_from(ctx: click.Context) -> IndexConfig:
    """The index configuration of this invocation, read once."""
    env = env_from(ctx)
    root = ctx.find_root()
    if "index_config" not in root.obj:
        root.obj["index_config"] = IndexConfig.from_env(env)
    return root.obj["index_config"]


def embedder_from(
    ctx: click.Context, model: str | None = None, backend: str | None = None, device: str = "cpu"
):
    """The embedding model of this invocation: one the caller already loaded (``obj["embedder"]``,
    e.g. a test's), else the configured model and backend (or these ones), loaded lazily."""
    from index import make_embedder

    root = ctx.find_root()
    root.ensure_object(dict)
    chosen = model is not None or backend is not None or device != "cpu"
    if not chosen and root.obj.get("embedder") is not None:
        return root.obj["embedder"]
    return make_embedder(config_from(ctx), model, backend=backend, device=device)


def stores_from(ctx: click.Context, index_dir=None):
    """The configured store (local folder or Qdrant) of this invocation, for ``index_dir`` (default
    ``GEOQA_INDEX_DIR``)."""
    from index import StoreAccess

    return StoreAccess(config_from(ctx), index_dir)
