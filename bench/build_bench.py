"""Index build throughput next to the raw model.encode ceiling, and incremental rebuild time.

    .venv/bin/python bench/build_bench.py [--articles 1000] [--json]

Builds an index of N synthetic articles with a fresh cache, times raw ``model.encode`` of exactly
the same chunk texts with the same loaded model, then changes one article and rebuilds. Figures
are ratios measured side by side in one run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from output import peak_rss_mb, show  # noqa: E402
from synthetic import write_corpus  # noqa: E402

from index.build.builder import build_index  # noqa: E402
from index.build.chunking import embedding_text  # noqa: E402
from index.embedders.models import DEFAULT_MODEL, resolve_model  # noqa: E402
from index.embedders.torch_model import ENCODE_BATCH, TorchEmbedder  # noqa: E402
from index.store.index_store import IndexStore  # noqa: E402


def langchain_build(texts: list[str]) -> float | None:
    """Seconds for ``FAISS.from_documents`` with ``HuggingFaceEmbeddings`` on the same model and
    chunks, the way a LangChain user would build it; None when LangChain is not installed
    (``make bench`` installs it for the benchmark only)."""
    try:
        from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document
        from langchain_huggingface import HuggingFaceEmbeddings
    except ImportError:
        return None
    model_path = resolve_model(DEFAULT_MODEL)[1]
    embeddings = HuggingFaceEmbeddings(
        model_name=model_path,
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": ENCODE_BATCH},
    )
    documents = [Document(page_content=t) for t in texts]
    started = time.perf_counter()
    FAISS.from_documents(documents, embeddings)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    embedder = TorchEmbedder()
    embedder.model  # noqa: B018 - loaded before anything is timed
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        paths = write_corpus(corpus, args.articles)
        full = build_index(corpus, index, embedder)
        store = IndexStore.open(index)
        titles = {a.id: a.title for a in store.articles}
        texts = [
            embedding_text(titles[store.chunk(r).article_id], store.chunk_text(r))
            for r in range(store.size)
        ]
        started = time.perf_counter()
        embedder.model.encode(texts, batch_size=ENCODE_BATCH, normalize_embeddings=True)
        raw_seconds = time.perf_counter() - started
        langchain_seconds = langchain_build(texts)
        changed = paths[len(paths) // 2]
        changed.write_text(changed.read_text() + "\nA late paragraph changes this article.\n")
        rebuild = build_index(corpus, index, embedder)
    result = {
        "articles": full.articles,
        "chunks": full.chunks,
        "build_seconds": round(full.seconds, 2),
        "build_chunks_per_s": round(full.chunks / full.seconds, 2),
        "raw_encode_seconds": round(raw_seconds, 2),
        "raw_encode_chunks_per_s": round(full.chunks / raw_seconds, 2),
        "build_vs_raw": round(raw_seconds / full.seconds, 3),
        "rebuild_seconds": round(rebuild.seconds, 2),
        "rebuild_embedded": rebuild.embedded,
        "rebuild_vs_full": round(rebuild.seconds / full.seconds, 4),
        "langchain_seconds": round(langchain_seconds, 2) if langchain_seconds else None,
        "langchain_chunks_per_s": round(full.chunks / langchain_seconds, 2)
        if langchain_seconds
        else None,
        "peak_rss_mb": peak_rss_mb(),
    }
    show(result, args.json, width=24)


if __name__ == "__main__":
    main()
