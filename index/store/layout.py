"""The index folder: where each file lives, the build lock, and the atomic switch to a new build.

Layout::

    <index_dir>/CURRENT                 names the live build (replaced with os.replace)
    <index_dir>/builds/<stamp>/         vectors.faiss, meta.sqlite, bm25/, manifest.json
    <index_dir>/cache/embeddings.sqlite  (model, text hash) → vector; survives rebuilds

A build is written into a hidden temporary folder, renamed into ``builds/`` and only then made
current, so a build killed at any moment leaves the previous index loadable and complete.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from index.build.manifest import Manifest
from index.errors import GeoqaError
from index.util import exclusive, fsync_dir, write_synced

CURRENT = "CURRENT"
BUILDS = "builds"
TMP_PREFIX = ".tmp-"
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
META = "meta.sqlite"
BM25 = "bm25"
LOCK = ".build.lock"


class BuildLocked(GeoqaError):
    """Another build of the same index is running."""


def cache_path(index_dir: Path) -> Path:
    """Where the embedding cache of an index folder lives."""
    return index_dir / "cache" / "embeddings.sqlite"


def named_build(index_dir: Path) -> Path | None:
    """The folder ``CURRENT`` names (whether or not it is whole), or None without ``CURRENT``."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return index_dir / name if name else None


def current_build(index_dir: Path) -> Path | None:
    """The folder of the live build, or None when nothing was built yet."""
    folder = named_build(index_dir)
    return folder if folder is not None and (folder / MANIFEST).is_file() else None


def read_manifest(index_dir: Path) -> Manifest | None:
    """The live build's manifest, or None when there is none."""
    folder = current_build(index_dir)
    return None if folder is None else Manifest.read(folder / MANIFEST)


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's build lock; a second concurrent build fails at once."""
    with exclusive(index_dir / LOCK, BuildLocked(f"another build of {index_dir} is running")):
        yield


def new_build_folder(index_dir: Path) -> Path:
    """A fresh hidden folder to write a build into (left behind if the build is killed)."""
    builds = index_dir / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = builds / f"{TMP_PREFIX}{stamp}-{os.getpid()}"
    folder.mkdir()
    return folder


def publish(index_dir: Path, tmp_folder: Path) -> Path:
    """Make a finished build live: rename it into place, then swap CURRENT with os.replace."""
    final = tmp_folder.with_name(tmp_folder.name.removeprefix(TMP_PREFIX))
    os.rename(tmp_folder, final)
    previous = current_build(index_dir)
    pointer = index_dir / f"{CURRENT}.{os.getpid()}.tmp"
    write_synced(pointer, f"{BUILDS}/{final.name}\n")
    os.replace(pointer, index_dir / CURRENT)
    fsync_dir(index_dir)
    prune(index_dir, keep={final, previous})
    return final


def prune(index_dir: Path, keep: set[Path | None]) -> None:
    """Delete old builds and leftovers of killed builds, keeping ``keep`` (live and previous)."""
    for folder in (index_dir / BUILDS).iterdir():
        if folder not in keep and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
