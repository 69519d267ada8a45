"""The index on disk and searching it: the folder layout, atomic publish and build lock
(:mod:`.layout`), FAISS (:mod:`.vectors`), BM25 (:mod:`.lexical`), writing a build
(:mod:`.writer`), the loaded :class:`~index.store.index_store.IndexStore` and hybrid search
with reciprocal rank fusion (:mod:`.search`)."""
