"""Small generic helpers that know nothing of geoqa: a thread-safe LRU, installed package
versions, and durable file and folder replacement."""

from __future__ import annotations

import os
import platform
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most ``size`` values, the least recently used dropped first; safe to share between
    threads. Values are computed outside the lock, so a slow computation never blocks readers."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def get_many(self, keys: Iterable[K]) -> dict[K, V]:
        """The remembered values among ``keys`` (each one becomes the most recently used)."""
        with self._lock:
            found = {}
            for key in keys:
                if key in self._values:
                    self._values.move_to_end(key)
                    found[key] = self._values[key]
            return found

    def put_many(self, values: Mapping[K, V]) -> None:
        """Remember ``values``, dropping the least recently used beyond ``size``."""
        with self._lock:
            for key, value in values.items():
                self._values[key] = value
                self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def get(self, key: K, compute: Callable[[], V]) -> V:
        """The remembered value of ``key``, or ``compute()``'s, then remembered."""
        found = self.get_many([key])
        if key in found:
            return found[key]
        value = compute()
        self.put_many({key: value})
        return value


def package_versions(names: Iterable[str]) -> dict[str, str]:
    """Python's version and each installed package's (``unknown`` when it is not installed)."""
    found = {"python": platform.python_version()}
    for name in names:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "unknown"
    return found


def write_synced(path: Path, text: str, *, exclusive: bool = False) -> None:
    """Write ``text`` to ``path`` (UTF-8, ``\\n`` line ends) and flush it to disk; with
    ``exclusive`` the file must not exist yet."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, 0o666)  # the umask applies
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames into it) to disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_folder(new: Path, target: Path) -> None:
    """Make the finished folder ``new`` the folder ``target``, replacing an older one only once
    the new one is whole (the older one is renamed aside, then deleted)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{time.time_ns()}")
        target.rename(old)
    new.rename(target)
    fsync_dir(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def exclusive(path: Path, busy: Exception) -> Iterator[None]:
    """Hold the file lock at ``path`` (made if need be); raise ``busy`` at once while another
    process or thread holds it."""
    from filelock import FileLock, Timeout  # imported here: only builds and syncs lock

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise busy from None
    try:
        yield
    finally:
        lock.release()
