"""Reading a build from Qdrant (:class:`QdrantStore`, a :class:`~.protocol.Store`): the alias is
resolved once, at open, so one store always reads one build; dense and lexical candidates come
from Qdrant with payload filters for outlet and dates; the articles' metadata and the vocabulary
are held in memory (as the local store holds them), texts are fetched on demand."""

from __future__ import annotations

import logging
import threading

import numpy as np

from index.articles.model import ArticleInfo
from index.build.manifest import Manifest
from index.errors import IndexMissing
from index.store.filters import Filters
from index.store.lexical import TOKENIZER_VERSION
from index.store.protocol import ChunkRef
from index.store.qdrant_common import (
    ARTICLE_BASE,
    BATCH,
    CHUNK_FIELDS,
    DENSE,
    LEXICAL,
    VOCAB_BASE,
    check_points,
    live_collection,
    read_manifest,
    talking,
)
from index.store.qdrant_target import day_number
from index.store.sparse import Vocabulary
from index.util import LRU

log = logging.getLogger(__name__)

TEXT_CACHE = 64
CHUNK_CACHE = 4096
FILTER_CACHE = 32
SCROLL_PAGE = 10_000


class QdrantLexical:
    """The term statistics of a Qdrant build (:class:`~.protocol.LexicalStats`)."""

    def __init__(self, store: QdrantStore, vocabulary: Vocabulary) -> None:
        self._store = store
        self.vocabulary = vocabulary

    @property
    def num_docs(self) -> int:
        """Number of rows (chunks) indexed."""
        return self._store.size

    def document_frequency(self, term: str) -> int:
        """How many rows contain ``term``; 0 if none."""
        return self.vocabulary.document_frequency(term)

    def rows_with(self, term: str) -> np.ndarray:
        """The rows that contain ``term``, ascending: a sparse search for the term alone, as
        deep as its document frequency (sparse search in Qdrant is exact)."""
        frequency = self.vocabulary.document_frequency(term)
        if not frequency:
            return np.zeros(0, dtype=np.int64)
        from qdrant_client import models

        query = models.SparseVector(indices=[self.vocabulary.number[term]], values=[1.0])
        found = self._store.query(LEXICAL, query, frequency, None, payload=False)
        return np.sort(np.array([int(p.id) for p in found], dtype=np.int64))


class QdrantStore:
    """One build in Qdrant, read-only."""

    def __init__(
        self,
        client,
        collection: str,
        manifest: Manifest,
        layout: dict,
        *,
        alias: str | None = None,
        where: str = "qdrant",
        owns_client: bool = False,
    ) -> None:
        """One build's collection; ``where`` names the server in messages."""
        self.client = client
        self.collection = collection
        self.alias = alias
        self.manifest = manifest
        self.where = where
        self._owns_client = owns_client
        self._texts: LRU[str, str] = LRU(TEXT_CACHE)
        self._chunks: LRU[int, ChunkRef] = LRU(CHUNK_CACHE)
        self._allowed: LRU[Filters, np.ndarray] = LRU(FILTER_CACHE)
        self._lock = threading.Lock()
        with talking(self.where):
            self.articles: list[ArticleInfo] = self._read_articles()
            vocabulary = self._read_vocabulary(int(layout.get("vocab_pages", 0)))
        self.by_id = {a.id: a for a in self.articles}
        self.lexical = QdrantLexical(self, vocabulary)

    @classmethod
    def open(
        cls,
        client,
        alias: str,
        model_id: str | None = None,
        chunking: dict | None = None,
        *,
        where: str = "qdrant",
        owns_client: bool = False,
    ) -> QdrantStore:
        """Load the build the alias names now, refusing one built with another model or
        chunking, and one that lacks points its build wrote; ``where`` names the server in
        messages."""
        with talking(where):
            collection = live_collection(client, alias)
            if collection is None:
                raise IndexMissing(f"Qdrant at {where} (alias {alias!r})")
            manifest, layout = read_manifest(client, collection)
            manifest.check(f"Qdrant collection {collection}", model_id, chunking, TOKENIZER_VERSION)
            check_points(client, collection, layout)
        return cls(
            client, collection, manifest, layout, alias=alias, where=where, owns_client=owns_client
        )

    def _read_articles(self) -> list[ArticleInfo]:
        from qdrant_client import models

        fields = models.PayloadSelectorExclude(exclude=["text", "text_hash"])
        articles: list[ArticleInfo] = []
        for lo in range(0, self.manifest.articles, BATCH):
            ids = [ARTICLE_BASE + i for i in range(lo, min(lo + BATCH, self.manifest.articles))]
            found = sorted(
                self.client.retrieve(self.collection, ids, with_payload=fields),
                key=lambda p: p.payload["idx"],
            )
            articles.extend(
                ArticleInfo(**{**p.payload, "tags": tuple(p.payload.get("tags") or ())})
                for p in found
            )
        return articles

    def _read_vocabulary(self, pages: int) -> Vocabulary:
        ids = [VOCAB_BASE + page for page in range(pages)]
        found = sorted(
            self.client.retrieve(self.collection, ids, with_payload=True), key=lambda p: p.id
        )
        terms = [t for p in found for t in p.payload["terms"]]
        return Vocabulary(terms, [f for p in found for f in p.payload["df"]])

    @property
    def size(self) -> int:
        """Number of chunks."""
        return self.manifest.chunks

    def query(self, using: str, query, n: int, filters: Filters | None, payload: bool = True):
        """Points of the nearest ``n`` by one vector, among those passing ``filters``."""
        with talking(self.where):
            found = self.client.query_points(
                self.collection,
                query=query,
                using=using,
                limit=n,
                query_filter=_qdrant_filter(filters),
                with_payload=CHUNK_FIELDS if payload else False,
            ).points
        if payload:
            self._chunks.put_many({int(p.id): self._ref(int(p.id), p.payload) for p in found})
        return found

    def _ref(self, row: int, payload: dict) -> ChunkRef:
        article = self.articles[int(payload["article_idx"])]
        return ChunkRef(row, article.id, int(payload["start"]), int(payload["end"]))

    def dense(
        self, vector: np.ndarray, n: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]:
        """The ``n`` rows nearest to ``vector`` (cosine), among those passing ``filters``."""
        if n <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).tolist()
        return [(int(p.id), float(p.score)) for p in self.query(DENSE, query, n, filters)]

    def lexical_top(
        self, query: str, n: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]:
        """The ``n`` best rows by BM25 for ``query``, among those passing ``filters``."""
        from qdrant_client import models

        sparse = self.lexical.vocabulary.query(query)
        if sparse is None or n <= 0:
            return []
        vector = models.SparseVector(indices=sparse.indices, values=sparse.values)
        found = self.query(LEXICAL, vector, n, filters)
        return [(int(p.id), float(p.score)) for p in found if p.score > 0]

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """Boolean mask of the rows that pass ``filters`` (read from Qdrant, then remembered),
        or None when nothing is filtered."""
        if not filters:
            return None
        return self._allowed.get(filters, lambda: self._mask(filters))

    def _mask(self, filters: Filters) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        offset = None
        with talking(self.where):
            while True:
                points, offset = self.client.scroll(
                    self.collection,
                    scroll_filter=_qdrant_filter(filters),
                    limit=SCROLL_PAGE,
                    offset=offset,
                    with_payload=False,
                )
                mask[[int(p.id) for p in points]] = True
                if offset is None:
                    return mask

    def chunk(self, row: int) -> ChunkRef:
        """The chunk stored at ``row``."""
        return self._chunks.get(int(row), lambda: self._read_chunk(int(row)))

    def _read_chunk(self, row: int) -> ChunkRef:
        with talking(self.where):
            found = self.client.retrieve(self.collection, [row], with_payload=CHUNK_FIELDS)
        if not found:
            raise IndexError(row)
        return self._ref(row, found[0].payload)

    def chunk_text(self, row: int) -> str:
        """The exact text of the chunk at ``row``."""
        ref = self.chunk(row)
        return self.text(ref.article_id)[ref.start : ref.end]

    def text(self, article_id: str) -> str:
        """The stored text of an article (the text quotes are cut from)."""
        return self._texts.get(article_id, lambda: self._read_text(article_id))

    def _read_text(self, article_id: str) -> str:
        info = self.by_id[article_id]  # KeyError for an unknown id, as in the local store
        with talking(self.where):
            found = self.client.retrieve(
                self.collection, [ARTICLE_BASE + info.idx], with_payload=["text"]
            )
        if not found:
            raise KeyError(article_id)
        return found[0].payload["text"]

    def is_live(self) -> bool:
        """Whether the alias still names this store's collection."""
        if self.alias is None:
            return True
        with talking(self.where):
            return live_collection(self.client, self.alias) == self.collection

    def close(self) -> None:
        """Close the client when this store opened it."""
        if self._owns_client:
            with self._lock:
                self.client.close()


def _qdrant_filter(filters: Filters | None):
    """The payload filter of ``filters`` (None when nothing is filtered)."""
    if not filters:
        return None
    from qdrant_client import models

    must: list = []
    if filters.source is not None:
        key = filters.source.casefold()
        must.append(models.FieldCondition(key="source_key", match=models.MatchValue(value=key)))
    if filters.since is not None or filters.until is not None:
        since = day_number(filters.since.isoformat()) if filters.since else None
        until = day_number(filters.until.isoformat()) if filters.until else None
        must.append(models.FieldCondition(key="day", range=models.Range(gte=since, lte=until)))
    return models.Filter(must=must)
