"""The local build target: a build folder written beside the live one and made live by
replacing ``CURRENT`` (see :mod:`.layout`); implements :class:`~.protocol.BuildTarget`."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from index.build.manifest import Manifest
from index.errors import GeoqaError
from index.store import integrity
from index.store.index_store import previous_spans
from index.store.layout import MANIFEST, current_build, new_build_folder, publish
from index.store.lexical import LexicalIndex
from index.store.protocol import BuildData
from index.store.writer import write_build

log = logging.getLogger(__name__)


class LocalTarget:
    """Builds in ``index_dir/builds/``, FAISS of ``faiss_kind`` (``auto`` follows the size)."""

    kind = "local"

    def __init__(self, index_dir: Path, faiss_kind: str = "auto") -> None:
        self.index_dir = index_dir
        self.faiss_kind = faiss_kind
        self.settings = {"store": self.kind, "faiss": faiss_kind}

    def live_manifest(self) -> Manifest | None:
        """The live build's manifest; None when there is none or it cannot be read."""
        folder = current_build(self.index_dir)
        if folder is None:
            return None
        try:
            return Manifest.read(folder / MANIFEST)
        except GeoqaError as exc:
            log.warning("%s", exc)
            return None

    def intact(self) -> bool:
        """Whether every file of the live build has the size and checksum its manifest says."""
        folder, manifest = current_build(self.index_dir), self.live_manifest()
        if folder is None or manifest is None or not manifest.files:
            return False
        try:
            integrity.check(folder, manifest.files)
        except GeoqaError as exc:
            log.warning("%s", exc)
            return False
        return True

    def previous_spans(self, model_id: str, chunking: dict) -> dict[str, list[tuple[int, int]]]:
        """Chunk spans of the live build, when it was cut the same way."""
        return previous_spans(self.index_dir, model_id, chunking)

    def publish(self, build: BuildData) -> str:
        """Write the build into a hidden folder, then make it live atomically."""
        tmp = new_build_folder(self.index_dir)
        try:
            lexical = LexicalIndex.build(list(build.texts))
            write_build(tmp, build, lexical, self.faiss_kind)
            return str(publish(self.index_dir, tmp))
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def close(self) -> None:
        """Nothing to release."""
