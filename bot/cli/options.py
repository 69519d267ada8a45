"""One option vocabulary for every command: the same long names and short flags everywhere."""

from __future__ import annotations

from pathlib import Path

import click

from index import GeoqaError


def path_option(*names: str, help: str, **extra):
    """An option naming a file or folder (a :class:`~pathlib.Path`)."""
    return click.option(*names, type=click.Path(path_type=Path), help=help, **extra)


def index_option(help: str = "Index folder (default GEOQA_INDEX_DIR).", **extra):
    """``-i/--index DIR``."""
    return path_option("-i", "--index", "index_dir", help=help, **extra)


def corpus_option(help: str = "Article folder (default GEOQA_CORPUS_DIR).", **extra):
    """``-c/--corpus DIR``."""
    return path_option("-c", "--corpus", "corpus_dir", help=help, **extra)


def model_option(help: str = "Embedding model: name or path (default GEOQA_EMBED_MODEL)."):
    """``-m/--model NAME``."""
    return click.option("-m", "--model", help=help)


def top_k_option(default: int, low: int, high: int, help: str):
    """``-k/--top-k N``."""
    return click.option(
        "-k",
        "--top-k",
        "k",
        type=click.IntRange(low, high),
        default=default,
        show_default=True,
        help=help,
    )


def json_option(help: str = "Print the outcome as one JSON object."):
    """``--json``."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def _day(_ctx, param, value: str | None):
    from index import parse_day  # imported here: the search module loads faiss

    if value is None:
        return None
    try:
        return parse_day(value, f"--{param.name}")
    except GeoqaError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[-1]) from None


def filter_options(command):
    """``--source``, ``--since`` and ``--until``: restrict the articles searched."""
    command = click.option("--until", callback=_day, help="Only articles published on/before.")(
        command
    )
    command = click.option("--since", callback=_day, help="Only articles published on/after.")(
        command
    )
    return click.option("--source", help="Only articles from this outlet.")(command)


def feeds_file_option(help: str = "The followed feeds file (default GEOQA_FEEDS_FILE).", **extra):
    """``-f/--feeds-file FILE``."""
    return path_option("-f", "--feeds-file", "feeds_file", help=help, **extra)


def day_option(name: str, help: str):
    """A ``--NAME YYYY-MM-DD`` option, parsed to a date (a bad date is a usage error)."""
    return click.option(f"--{name}", callback=_day, help=help)


def log_option():
    """``--log``: record the question in the question log (``GEOQA_LOG_QUESTIONS=0`` wins)."""
    return click.option(
        "--log",
        "log_question",
        is_flag=True,
        help="Record questions in the question log (unless GEOQA_LOG_QUESTIONS=0).",
    )
