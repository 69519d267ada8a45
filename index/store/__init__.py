"""Stores: what the answer engine needs from one and what a build writes (:mod:`.protocol`),
search filters (:mod:`.filters`), hybrid search with reciprocal rank fusion (:mod:`.search`) and
the store a configuration asks for (:mod:`.backends`).

The local store: the folder layout, atomic publish and build lock (:mod:`.layout`), FAISS
(:mod:`.vectors`), BM25 (:mod:`.lexical`), writing a build (:mod:`.writer`, :mod:`.local_target`)
and checking its files (:mod:`.integrity`), the loaded :class:`~.index_store.IndexStore`.
Qdrant: :mod:`.qdrant_common`, :mod:`.qdrant_target`, :mod:`.qdrant_store`, with BM25 as sparse
vectors (:mod:`.sparse`)."""
