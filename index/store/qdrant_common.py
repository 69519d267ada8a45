"""What the Qdrant store's reading and writing sides share: connecting (a server URL, or a folder
for qdrant-client's embedded local mode), the layout of a build's collection, resolving the alias
that names the live build, and turning Qdrant failures into one-line errors.

A build is one collection, ``<alias>-<stamp>``; the alias (``GEOQA_QDRANT_COLLECTION``) names the
live one and is switched atomically. Its points:

- chunks, id = row: a ``dense`` vector (cosine) and a ``lexical`` sparse vector (BM25 weights,
  IDF applied by Qdrant), payload ``article_idx``, ``start``, ``end`` and, for filtering,
  ``source_key`` (the outlet, case-folded) and ``day`` (``YYYYMMDD`` as an integer);
- articles, id = ``ARTICLE_BASE + idx``, no vectors: the article's metadata and text;
- the manifest, id = ``MANIFEST_ID``, and the vocabulary in pages from ``VOCAB_BASE``.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from index.build.manifest import Manifest
from index.errors import ConfigError, GeoqaError, IndexDamaged

log = logging.getLogger(__name__)

DENSE = "dense"
LEXICAL = "lexical"
ARTICLE_BASE = 1 << 40
MANIFEST_ID = 1 << 41
VOCAB_BASE = MANIFEST_ID + 1
VOCAB_PAGE = 20_000  # terms per vocabulary point
BATCH = 256  # points per upsert or retrieve
CHUNK_FIELDS = ["article_idx", "start", "end"]
INSTALL_HINT = "pip install 'geoqa[qdrant]'"


def connect(url: str):
    """A ``QdrantClient`` for ``url``: an ``http(s)://`` server, ``:memory:``, or else a folder
    for the embedded local mode (one process at a time; for trying geoqa out and for tests)."""
    try:
        from qdrant_client import QdrantClient
    except ImportError:
        raise ConfigError(f"GEOQA_STORE=qdrant needs qdrant-client; {INSTALL_HINT}") from None
    with talking(url):
        if url.startswith(("http://", "https://")):
            # No version check: the client makes it in a thread of its own and warns on stderr
            # at any moment; an unreachable server is one line from the first request instead.
            return QdrantClient(url=url, timeout=60, check_compatibility=False)
        if url == ":memory:":
            return QdrantClient(location=":memory:")
        return QdrantClient(path=url)


@contextlib.contextmanager
def talking(where: str) -> Iterator[None]:
    """Turn any failure but a :class:`GeoqaError` into one line naming the Qdrant at ``where``."""
    try:
        yield
    except GeoqaError:
        raise
    except Exception as exc:  # noqa: BLE001 - connection, HTTP and local-mode errors alike
        log.debug("Qdrant failure", exc_info=True)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GeoqaError(f"Qdrant at {where} failed: {first}") from None


def live_collection(client, alias: str) -> str | None:
    """The collection the alias names, or None when there is no such alias."""
    for found in client.get_aliases().aliases:
        if found.alias_name == alias:
            return found.collection_name
    return None


def build_collections(client, alias: str) -> list[str]:
    """The collections of builds under ``alias`` (``<alias>-<stamp>``), oldest first."""
    names = [c.name for c in client.get_collections().collections]
    return sorted(n for n in names if n.startswith(f"{alias}-"))


def read_manifest(client, collection: str) -> tuple[Manifest, dict]:
    """A build collection's manifest and its layout (``points``, ``vocab_pages``)."""
    found = client.retrieve(collection, [MANIFEST_ID], with_payload=True)
    if not found or "manifest" not in (found[0].payload or {}):
        raise IndexDamaged(f"Qdrant collection {collection}", "has no manifest")
    payload = found[0].payload
    return Manifest.from_json(payload["manifest"]), payload.get("layout", {})


def check_points(client, collection: str, layout: dict) -> None:
    """:class:`IndexDamaged` unless the collection holds as many points as were written."""
    expected = int(layout.get("points", -1))
    held = client.count(collection, exact=True).count
    if held != expected:
        raise IndexDamaged(
            f"Qdrant collection {collection}", f"holds {held} points, the build wrote {expected}"
        )
