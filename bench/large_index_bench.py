"""Large indexes on one machine: the FAISS kind by size at 100k and 1M chunks (issue #13).

    .venv/bin/python bench/large_index_bench.py [--sizes 100000,1000000] [--questions 200]
        [--kinds auto,flat] [--json]

Each size is a whole local build (SQLite, BM25, FAISS, manifest with checksums) of synthetic
filler articles, one chunk per paragraph, written with ``index.store.writer.write_build``.

The vectors are SYNTHETIC: embedding 1M chunks would take hours on 2 cores. They are clustered,
not uniform (recall on uniform random vectors means nothing): 4,000 real embeddings of filler
paragraphs (the default ONNX model) are the cluster centres, cluster sizes follow a Zipf-like
law, and each vector is its centre plus Gaussian noise (σ = 0.035 a dimension, about 0.8 cosine
to its centre), normalized. Questions are real embeddings of synthetic questions.

Reported per size and kind: the FAISS build time and the whole build time, the files' bytes on
disk, the process's peak RSS, recall@10 of the dense search against exact search (unfiltered and
with an outlet filter that keeps about a third of the rows; for IVF also as the number of probed
cells varies), dense-search p50/p95 and warm
question p50/p95 (``QA.ask`` through the default engine: question embedding, hybrid search,
quote selection), the time `IndexStore.open` takes with and without the checksums, and a cold
`geoqa ask` over the build (wall time and peak RSS of the whole process).

Goal: at 1M chunks, p50 <= 150 ms and recall@10 >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from output import peak_rss_mb, run_measured  # noqa: E402
from synthetic import COUNTRIES, TOPICS, article_text  # noqa: E402

from bot.qa import QA  # noqa: E402
from index.articles.model import Article  # noqa: E402
from index.build.chunking import DEFAULT_CHUNKING, Chunk, embedding_text  # noqa: E402
from index.build.manifest import FORMAT_VERSION, Manifest  # noqa: E402
from index.embedders.onnx_export import export_is_current, export_onnx  # noqa: E402
from index.embedders.onnx_model import OnnxEmbedder  # noqa: E402
from index.settings import ONNX_DIR  # noqa: E402
from index.store import integrity  # noqa: E402
from index.store.filters import Filters  # noqa: E402
from index.store.index_store import IndexStore  # noqa: E402
from index.store.layout import MANIFEST, new_build_folder, publish  # noqa: E402
from index.store.lexical import LexicalIndex  # noqa: E402
from index.store.protocol import BuildData  # noqa: E402
from index.store.vectors import dense_search, make_faiss_index  # noqa: E402
from index.store.writer import write_build  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CENTRES = 4000
NOISE = 0.035
BLOCK = 50_000
OUTLETS = ["Bench Wire", "Filler Daily", "Synthetic Times"]


def centres(embedder: OnnxEmbedder) -> np.ndarray:
    """Real embeddings of filler paragraphs: the cluster centres."""
    rng = random.Random(0)
    return embedder.encode([article_text(rng, paragraphs=1) for _ in range(CENTRES)])


def vectors(n: int, pool: np.ndarray, seed: int) -> np.ndarray:
    """``n`` clustered unit vectors around ``pool`` (Zipf-like cluster sizes), made in blocks."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.7
    which = rng.choice(len(pool), size=n, p=weights / weights.sum())
    out = np.empty((n, pool.shape[1]), dtype=np.float32)
    for lo in range(0, n, BLOCK):
        part = pool[which[lo : lo + BLOCK]]
        part = part + NOISE * rng.standard_normal(part.shape, dtype=np.float32)
        out[lo : lo + BLOCK] = part / np.linalg.norm(part, axis=1, keepdims=True)
    return out


def articles_and_chunks(n: int, seed: int) -> tuple[list[Article], list[Chunk], list[str]]:
    """Filler articles of six paragraphs, one chunk per paragraph, ``n`` chunks in all."""
    rng = random.Random(seed)
    articles, chunks, texts = [], [], []
    i = 0
    while len(chunks) < n:
        title = f"Filler report {i}: {rng.choice(TOPICS)}"
        article = Article(
            id=f"filler-{i:07}",
            title=title,
            text=article_text(rng),
            source=OUTLETS[i % len(OUTLETS)],
            published=f"2025-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}",
        )
        articles.append(article)
        start = 0
        for para in article.text.split("\n\n"):
            if len(chunks) == n:
                break
            start = article.text.index(para, start)
            chunks.append(Chunk(article.id, len(chunks), start, start + len(para), para))
            texts.append(embedding_text(title, para))
            start += len(para)
        i += 1
    return articles, chunks, texts


def questions(n: int) -> list[str]:
    rng = random.Random(9)
    return [
        f"What did {rng.choice(COUNTRIES)} decide about {rng.choice(TOPICS)} in {y}?"
        for y in range(1000, 1000 + n)
    ]


def percentiles(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[int(0.95 * (len(ms) - 1))], 1),
    }


def exact_top(matrix: np.ndarray, queries: np.ndarray, k: int, allowed=None) -> np.ndarray:
    """The exact top ``k`` rows of each query, by blocks of rows (the ground truth)."""
    best = np.full((len(queries), k), -1, dtype=np.int64)
    scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    for lo in range(0, len(matrix), 200_000):
        part = queries @ matrix[lo : lo + 200_000].T
        if allowed is not None:
            part[:, ~allowed[lo : lo + 200_000]] = -np.inf
        merged_scores = np.concatenate([scores, part], axis=1)
        merged_rows = np.concatenate(
            [best, np.broadcast_to(np.arange(lo, lo + part.shape[1]), part.shape)], axis=1
        )
        keep = np.argsort(-merged_scores, axis=1, kind="stable")[:, :k]
        scores = np.take_along_axis(merged_scores, keep, axis=1)
        best = np.take_along_axis(merged_rows, keep, axis=1)
    return best


def recall(index, queries: np.ndarray, truth: np.ndarray, allowed=None) -> tuple[float, dict]:
    """Mean recall@10 of ``dense_search`` against ``truth``, and its latency."""
    hits, seconds = [], []
    for query, wanted in zip(queries, truth, strict=True):
        started = time.perf_counter()
        found = dense_search(index, query, 10, allowed)
        seconds.append(time.perf_counter() - started)
        hits.append(len({r for r, _ in found} & set(wanted.tolist())) / 10)
    return round(float(np.mean(hits)), 4), percentiles(seconds)


def measure(size: int, kind: str, pool: np.ndarray, embedder, asked: list[str], tmp: Path) -> dict:
    started = time.perf_counter()
    articles, chunks, texts = articles_and_chunks(size, seed=size)
    matrix = vectors(size, pool, seed=size)
    made = time.perf_counter() - started
    manifest = Manifest(
        format=FORMAT_VERSION,
        model=embedder.model_id,
        dim=matrix.shape[1],
        chunking=DEFAULT_CHUNKING.as_dict(),
        articles=len(articles),
        chunks=size,
        built_at="bench",
        corpus_fingerprint="bench",
    )
    started = time.perf_counter()
    timed, _ = make_faiss_index(matrix, kind)  # timed alone; write_build makes it again
    del timed
    faiss_s = time.perf_counter() - started
    index_dir = tmp / f"{kind}-{size}"
    folder = new_build_folder(index_dir)
    started = time.perf_counter()
    lexical = LexicalIndex.build(texts)
    lexical_s = time.perf_counter() - started
    started = time.perf_counter()
    build = BuildData(articles, chunks, texts, matrix, manifest)
    written = write_build(folder, build, lexical, kind)
    write_s = time.perf_counter() - started
    del lexical, texts, chunks, build
    final = publish(index_dir, folder)
    sizes = {name: entry["bytes"] for name, entry in written.files.items()}
    started = time.perf_counter()
    integrity.check(final, written.files)
    checksum_s = time.perf_counter() - started
    started = time.perf_counter()
    store = IndexStore(final, Manifest.read(final / MANIFEST), verify=False)
    load_s = time.perf_counter() - started
    qv = embedder.encode(asked)
    truth = exact_top(matrix, qv, 10)
    third = store.allowed_rows(Filters(source=OUTLETS[0]))
    truth_filtered = exact_top(matrix, qv, 10, third)
    result = {
        "kind": written.faiss,
        "faiss_params": written.faiss_params,
        "synthetic_data_s": round(made, 1),
        "faiss_build_s": round(faiss_s, 1),
        "bm25_build_s": round(lexical_s, 1),
        "write_build_s": round(write_s, 1),  # FAISS, BM25 files, SQLite, checksums
        "bytes": sizes,
        "checksum_at_open_s": round(checksum_s, 2),
        "load_s": round(load_s, 2),
    }
    result["recall_at_10"], result["dense_search"] = recall(store.vectors, qv, truth)
    if written.faiss == "ivf":  # how recall and time follow the cells probed
        default = store.vectors.nprobe
        sweep = {}
        for probes in (8, 16, 32, 64, 128):
            store.vectors.nprobe = probes
            found, timing = recall(store.vectors, qv, truth)
            sweep[probes] = {"recall_at_10": found, **timing}
        store.vectors.nprobe = default
        result["nprobe_sweep"] = sweep
    result["recall_at_10_filtered"], result["dense_search_filtered"] = recall(
        store.vectors, qv, truth_filtered, third
    )
    del matrix
    qa = QA(store, embedder)
    qa.ask("warm-up question about chips")
    seconds = []
    for question in asked:
        started = time.perf_counter()
        qa.ask(question)
        seconds.append(time.perf_counter() - started)
    result["question"] = percentiles(seconds)
    store.close()
    result["peak_rss_mb"] = peak_rss_mb()
    result["cold_ask"] = cold_ask(index_dir)
    return result


def cold_ask(index_dir: Path) -> dict:
    """`geoqa ask` over the build, launch to exit: wall time and the process's peak RSS (what
    one process holding the index needs), checksums and all."""
    script = Path(sys.executable).parent / "geoqa"
    cmd = [str(script), "ask", "What did China decide about chip tariffs?", "-i", str(index_dir)]
    seconds, peak = run_measured(cmd, cwd=REPO)
    return {"seconds": round(seconds, 1), "peak_mib": round(peak)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--kinds", default="auto", help="FAISS kinds to build at each size")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    onnx_dir = REPO / ONNX_DIR.default
    if not export_is_current(onnx_dir):
        export_onnx(onnx_dir)
    embedder = OnnxEmbedder(onnx_dir)
    pool = centres(embedder)
    asked = questions(args.questions)
    result: dict = {"questions": args.questions, "runs": {}}
    with tempfile.TemporaryDirectory(prefix="geoqa-large-bench-", dir=REPO / "var") as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            for kind in args.kinds.split(","):
                run = measure(size, kind, pool, embedder, asked, Path(tmp))
                result["runs"][f"{size}-{kind}"] = run
                print(json.dumps({f"{size}-{kind}": run}), file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(result))
        return
    for name, run in result["runs"].items():
        print(f"{name}: {json.dumps(run)}")


if __name__ == "__main__":
    main()
