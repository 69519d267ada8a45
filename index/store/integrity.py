"""Damage checks of a local build: the size and sha256 of every file, recorded in the manifest
when the build is written and compared when it is opened, so a missing, truncated or altered
file is one line naming it ("run `geoqa index build`") instead of a failure deep inside FAISS,
SQLite or bm25s."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from index.errors import IndexDamaged

BLOCK = 1 << 20
SKIP = {"manifest.json"}  # the manifest cannot hold its own checksum; it is parsed instead


def sha256_of(path: Path) -> str:
    """The sha256 of a file's contents, read in 1 MiB blocks (hashlib releases the GIL on them,
    so several files hash in parallel)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            digest.update(block)
    return digest.hexdigest()


def build_files(folder: Path) -> list[str]:
    """The files of a build folder, as ``/``-separated names relative to it (manifest aside)."""
    names = (p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    return sorted(name for name in names if name not in SKIP)


def describe(folder: Path) -> dict[str, dict]:
    """``{name: {"bytes": size, "sha256": hex}}`` for every file of a finished build folder."""
    names = build_files(folder)
    with ThreadPoolExecutor(max_workers=2) as pool:
        sums = list(pool.map(lambda name: sha256_of(folder / name), names))
    return {
        name: {"bytes": (folder / name).stat().st_size, "sha256": digest}
        for name, digest in zip(names, sums, strict=True)
    }


def check(folder: Path, files: dict[str, dict], checksums: bool = True) -> None:
    """Raise :class:`IndexDamaged` naming the first file that is missing, has another size than
    recorded or (with ``checksums``) other contents."""
    for name, recorded in files.items():
        path = folder / name
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise IndexDamaged(path, "is missing") from None
        if size != recorded["bytes"]:
            what = "truncated" if size < recorded["bytes"] else "longer than recorded"
            raise IndexDamaged(
                path, f"is {what} ({size} bytes, the manifest says {recorded['bytes']})"
            )
    if not checksums:
        return
    names = list(files)
    with ThreadPoolExecutor(max_workers=2) as pool:
        sums = list(pool.map(lambda name: sha256_of(folder / name), names))
    for name, digest in zip(names, sums, strict=True):
        if digest != files[name]["sha256"]:
            raise IndexDamaged(folder / name, "does not match its checksum in the manifest")
