"""Writing builds to Qdrant (:class:`QdrantTarget`, a :class:`~.protocol.BuildTarget`): each build
is a new collection, filled, then made live by switching the alias to it in one atomic alias
operation; readers that resolved the alias before keep reading the previous collection, which is
kept until the next build (older ones are deleted)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import warnings

from index.articles.model import Article
from index.build.manifest import Manifest
from index.errors import GeoqaError
from index.store.protocol import BuildData
from index.store.qdrant_common import (
    ARTICLE_BASE,
    BATCH,
    DENSE,
    LEXICAL,
    MANIFEST_ID,
    VOCAB_BASE,
    VOCAB_PAGE,
    build_collections,
    check_points,
    live_collection,
    read_manifest,
    talking,
)
from index.store.sparse import SparseRow, chunk_tokens, weigh

log = logging.getLogger(__name__)


def day_number(published: str | None) -> int | None:
    """``YYYY-MM-DD`` as the integer ``YYYYMMDD`` (date ranges become integer ranges)."""
    return int(published.replace("-", "")) if published else None


class QdrantTarget:
    """Builds written as collections ``<alias>-<stamp>`` and made live under ``alias``."""

    kind = "qdrant"

    def __init__(self, client, alias: str, where: str = "qdrant") -> None:
        """Builds under ``alias``; ``where`` names the server in messages."""
        self.client = client
        self.alias = alias
        self.where = where
        self.settings = {"store": self.kind}

    def live_manifest(self) -> Manifest | None:
        """The live build's manifest; None when there is none or it cannot be read."""
        with talking(self.where):
            collection = live_collection(self.client, self.alias)
            if collection is None:
                return None
            try:
                return read_manifest(self.client, collection)[0]
            except GeoqaError as exc:
                log.warning("%s", exc)
                return None

    def intact(self) -> bool:
        """Whether the live collection holds every point its build wrote."""
        with talking(self.where):
            collection = live_collection(self.client, self.alias)
            if collection is None:
                return False
            try:
                check_points(self.client, collection, read_manifest(self.client, collection)[1])
            except GeoqaError as exc:
                log.warning("%s", exc)
                return False
            return True

    def previous_spans(self, model_id: str, chunking: dict) -> dict[str, list[tuple[int, int]]]:
        """None are reused: every article is split again (fast next to embedding)."""
        return {}

    def publish(self, build: BuildData) -> str:
        """Write the build into a new collection and switch the alias to it."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dt%H%M%S%fz")
        name = f"{self.alias}-{stamp}"
        with talking(self.where):
            try:
                self._write(name, build)
            except BaseException:
                self._drop(name)
                raise
            previous = live_collection(self.client, self.alias)
            self._switch(name, previous)
            for old in build_collections(self.client, self.alias):
                if old not in (name, previous):
                    self._drop(old)
        log.info("Qdrant alias %s now names %s", self.alias, name)
        return f"qdrant:{name}"

    def close(self) -> None:
        """Nothing to release: the client belongs to whoever made it."""

    def _write(self, name: str, build: BuildData) -> None:
        from qdrant_client import models

        self.client.create_collection(
            name,
            vectors_config={
                DENSE: models.VectorParams(
                    size=int(build.vectors.shape[1]), distance=models.Distance.COSINE
                )
            },
            sparse_vectors_config={
                LEXICAL: models.SparseVectorParams(modifier=models.Modifier.IDF)
            },
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the local mode says payload indexes do nothing
            self.client.create_payload_index(name, "source_key", models.PayloadSchemaType.KEYWORD)
            self.client.create_payload_index(name, "day", models.PayloadSchemaType.INTEGER)
        vocabulary, rows = weigh(chunk_tokens(build.texts))
        self._write_chunks(name, build, rows)
        self._write_articles(name, build.articles)
        pages = [
            models.PointStruct(
                id=VOCAB_BASE + page,
                vector={},
                payload={
                    "terms": vocabulary.terms[lo : lo + VOCAB_PAGE],
                    "df": vocabulary.frequencies[lo : lo + VOCAB_PAGE],
                },
            )
            for page, lo in enumerate(range(0, len(vocabulary), VOCAB_PAGE))
        ]
        self._upsert(name, pages)
        manifest = dataclasses.replace(build.manifest, faiss="none", store=self.kind, files={})
        layout = {
            "points": len(build.chunks) + len(build.articles) + len(pages) + 1,
            "vocab_pages": len(pages),
        }
        point = models.PointStruct(
            id=MANIFEST_ID, vector={}, payload={"manifest": manifest.to_json(), "layout": layout}
        )
        self._upsert(name, [point])  # last: a collection with a manifest is complete
        check_points(self.client, name, layout)

    def _write_chunks(self, name: str, build: BuildData, rows: list[SparseRow]) -> None:
        from qdrant_client import models

        position = {a.id: i for i, a in enumerate(build.articles)}
        points = []
        for row, (chunk, sparse) in enumerate(zip(build.chunks, rows, strict=True)):
            article = build.articles[position[chunk.article_id]]
            payload = {"article_idx": position[chunk.article_id], "start": chunk.start}
            payload["end"] = chunk.end
            if article.source:
                payload["source_key"] = article.source.casefold()
            if article.published:
                payload["day"] = day_number(article.published)
            vector = {
                DENSE: build.vectors[row].tolist(),
                LEXICAL: models.SparseVector(indices=sparse.indices, values=sparse.values),
            }
            points.append(models.PointStruct(id=row, vector=vector, payload=payload))
            if len(points) == BATCH:
                self._upsert(name, points)
                points = []
        self._upsert(name, points)

    def _write_articles(self, name: str, articles: list[Article]) -> None:
        from qdrant_client import models

        for lo in range(0, len(articles), BATCH):
            points = [
                models.PointStruct(id=ARTICLE_BASE + i, vector={}, payload=_article_payload(i, a))
                for i, a in enumerate(articles[lo : lo + BATCH], start=lo)
            ]
            self._upsert(name, points)

    def _upsert(self, name: str, points: list) -> None:
        if points:
            self.client.upsert(name, points=points, wait=True)

    def _switch(self, name: str, previous: str | None) -> None:
        from qdrant_client import models

        operations = []
        if previous is not None:
            operations.append(
                models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=self.alias))
            )
        operations.append(
            models.CreateAliasOperation(
                create_alias=models.CreateAlias(collection_name=name, alias_name=self.alias)
            )
        )
        self.client.update_collection_aliases(change_aliases_operations=operations)

    def _drop(self, name: str) -> None:
        try:
            self.client.delete_collection(name)
        except Exception:  # noqa: BLE001 - best effort: a leftover is deleted by the next build
            log.warning("could not delete Qdrant collection %s", name, exc_info=True)


def _article_payload(idx: int, article: Article) -> dict:
    return {
        "idx": idx,
        "id": article.id,
        "title": article.title,
        "source": article.source,
        "author": article.author,
        "published": article.published,
        "url": article.url,
        "tags": list(article.tags),
        "path": article.path,
        "text": article.text,
        "text_hash": article.text_hash,
    }
