"""Warm question latency at 1k / 10k / 100k chunks, and cold `geoqa ask` start-up.

    .venv/bin/python bench/latency_bench.py [--sizes 1000,10000,100000] [--questions 120] [--json]

Each index holds the real corpus plus synthetic filler articles (one chunk per paragraph).
Embedding 100k filler chunks would take about an hour on 2 cores, so filler vectors are real
embeddings of a pool of 2,000 filler texts, each reused with a little noise; texts, BM25, SQLite
and FAISS are all full size. Per question the time is split into query encoding, hybrid search
and quote selection (sentence scoring included). Cold start is `geoqa ask` from process start to
printed answer, next to a bare `python -c "import sentence_transformers"` measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from output import peak_rss_mb  # noqa: E402
from synthetic import COUNTRIES, TOPICS, article_text  # noqa: E402

from bot.qa import QA  # noqa: E402
from index import IndexConfig, make_embedder, read_environment  # noqa: E402
from index.articles.model import Article  # noqa: E402
from index.articles.readers import load_corpus  # noqa: E402
from index.build.builder import build_index  # noqa: E402
from index.build.chunking import DEFAULT_CHUNKING, Chunk, Chunker, embedding_text  # noqa: E402
from index.build.manifest import FORMAT_VERSION, Manifest  # noqa: E402
from index.embedders.protocol import Embedder  # noqa: E402
from index.store.index_store import IndexStore  # noqa: E402
from index.store.layout import new_build_folder, publish  # noqa: E402
from index.store.lexical import TOKENIZER_VERSION, LexicalIndex  # noqa: E402
from index.store.protocol import BuildData  # noqa: E402
from index.store.writer import write_build  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
POOL = 2000


def filler_articles(n_chunks: int, rng: random.Random) -> list[Article]:
    """Synthetic articles of six paragraphs each, enough for ``n_chunks`` paragraphs."""
    return [
        Article(
            id=f"filler-{i:06}",
            title=f"Filler report {i}: {rng.choice(TOPICS)}",
            text=article_text(rng),
            source=rng.choice(["Bench Wire", "Filler Daily"]),
            published=f"2025-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
        )
        for i in range(n_chunks // 6 + 1)
    ]


def paragraph_chunks(article: Article) -> list[Chunk]:
    chunks, start = [], 0
    for para in article.text.split("\n\n"):
        start = article.text.index(para, start)
        chunks.append(Chunk(article.id, len(chunks), start, start + len(para), para))
        start += len(para)
    return chunks


def build_sized_index(folder: Path, size: int, embedder: Embedder, pool: np.ndarray) -> None:
    """Write an index of the real corpus plus filler, ``size`` chunks in all."""
    rng = random.Random(size)
    real = load_corpus(REPO / "corpus").articles
    chunker = Chunker(embedder.tokenizer)
    real_chunks = [c for a in real for c in chunker.split(a)]
    articles = real + filler_articles(size - len(real_chunks), rng)
    chunks = real_chunks + [c for a in articles[len(real) :] for c in paragraph_chunks(a)]
    chunks = chunks[:size]
    keep = {c.article_id for c in chunks}
    articles = [a for a in articles if a.id in keep]
    titles = {a.id: a.title for a in articles}
    texts = [embedding_text(titles[c.article_id], c.text) for c in chunks]
    noise = np.random.default_rng(size).standard_normal((len(chunks), pool.shape[1]))
    vectors = pool[np.arange(len(chunks)) % len(pool)] + 0.05 * noise.astype(np.float32)
    vectors[: len(real_chunks)] = embedder.encode(texts[: len(real_chunks)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    manifest = Manifest(
        format=FORMAT_VERSION,
        model=embedder.model_id,
        dim=embedder.dim,
        chunking=DEFAULT_CHUNKING.as_dict(),
        articles=len(articles),
        chunks=len(chunks),
        built_at="bench",
        corpus_fingerprint="bench",
        lexical={"engine": "bm25s", "tokenizer": TOKENIZER_VERSION},
    )
    tmp = new_build_folder(folder)
    build = BuildData(articles, chunks, texts, vectors.astype(np.float32), manifest)
    write_build(tmp, build, LexicalIndex.build(texts), "flat")
    publish(folder, tmp)


ASKED = (
    "What did {c} decide about {t}?",
    "why did {c} change {t}",
    "who in {c} is behind {t}?",
    "how much does {c} spend on {t}",
    "when will {c} announce {t}?",
    "has {c} agreed to {t}?",
)


def questions(n: int, seed: int) -> list[str]:
    """``n`` distinct questions of several kinds, without numbers (a number no article holds
    would be refused before any sentence is scored); a new set per index size, since the model
    remembers recent questions."""
    rng = random.Random(seed)
    combos = [(a, c, t) for a in ASKED for c in COUNTRIES for t in TOPICS]
    rng.shuffle(combos)
    return [a.format(c=c, t=t) for a, c, t in combos[:n]]


def percentiles(values: list[float]) -> dict:
    ms = sorted(v * 1000 for v in values)
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1),
    }


def measure(qa: QA, asked: list[str]) -> dict:
    """Per question: encoding it, the hybrid search, and the rest of answering (quotes,
    sentence scoring, the decision), which ``ask`` times together with a second search."""
    parts: dict[str, list[float]] = {"encode": [], "search": [], "quotes": [], "total": []}
    qa.ask("warm-up question about chips")
    for q in asked:
        t0 = time.perf_counter()
        vector = qa.embedder.encode_query(q)  # remembered: ask below does not encode again
        t1 = time.perf_counter()
        qa.searcher.search(q, k=qa.k, vector=vector)
        t2 = time.perf_counter()
        qa.ask(q)
        t3 = time.perf_counter()
        encode, search, ask = t1 - t0, t2 - t1, t3 - t2
        for key, value in zip(parts, (encode, search, ask - search, encode + ask), strict=True):
            parts[key].append(value)
    return {key: percentiles(values) for key, values in parts.items()}


def cold_start(index_dir: Path, runs: int = 3) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    geoqa = [
        str(Path(sys.executable).parent / "geoqa"),
        "ask",
        "Who is in the AI Alliance Network?",
        "--index",
        str(index_dir),
    ]
    bare = [sys.executable, "-c", "import sentence_transformers"]

    def timed(cmd):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        return time.perf_counter() - t

    ask_s, import_s = [], []
    for _ in range(runs):  # interleaved, so both see the same machine state
        import_s.append(timed(bare))
        ask_s.append(timed(geoqa))
    a, b = statistics.median(ask_s), statistics.median(import_s)
    return {
        "ask_s": round(a, 2),
        "import_sentence_transformers_s": round(b, 2),
        "ratio": round(a / b, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--questions", type=int, default=120)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    embedder = make_embedder(IndexConfig.from_env(read_environment()))  # the default backend
    rng = random.Random(0)
    pool = embedder.encode([article_text(rng, paragraphs=1) for _ in range(POOL)])
    result: dict = {"questions": args.questions, "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            folder = Path(tmp) / f"index-{size}"
            build_sized_index(folder, size, embedder, pool)
            qa = QA(IndexStore.open(folder), embedder)
            result["sizes"][size] = measure(qa, questions(args.questions, seed=size))
        real = Path(tmp) / "real"
        build_index(REPO / "corpus", real, embedder)
        result["cold"] = cold_start(real)
    result["peak_rss_mb"] = peak_rss_mb()
    if args.json:
        print(json.dumps(result))
        return
    print(f"warm latency over {args.questions} questions per size (ms, p50 / p95)")
    print(f"{'chunks':>8} {'encode':>14} {'search':>14} {'quotes':>14} {'total':>14}")
    for size, parts in result["sizes"].items():
        cells = [f"{parts[k]['p50_ms']:>6} / {parts[k]['p95_ms']:<5}" for k in parts]
        print(f"{size:>8} " + " ".join(f"{c:>14}" for c in cells))
    cold = result["cold"]
    print(
        f"cold `geoqa ask`: {cold['ask_s']} s; bare import sentence_transformers: "
        f"{cold['import_sentence_transformers_s']} s; ratio {cold['ratio']}"
    )


if __name__ == "__main__":
    main()
