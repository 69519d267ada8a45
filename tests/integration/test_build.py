"""Building with the real model: the manifest records it, every chunk fits the model, and a
build killed at any moment leaves the previous index loadable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.articles.readers import load_corpus
from index.build.builder import build_index
from index.build.chunking import Chunker, ChunkSettings, embedding_text
from index.store.index_store import IndexStore
from index.store.layout import BUILDS, LOCK
from tests.support.paths import REPO, SEED_ID


def test_manifest_records_the_real_model_and_its_dimension(index_dir):
    manifest = IndexStore.open(index_dir).manifest
    assert manifest.model == "sentence-transformers/all-MiniLM-L6-v2+onnx-int8"  # the default
    assert manifest.dim == 384
    assert manifest.chunking == ChunkSettings().as_dict()


def test_no_chunk_is_truncated_by_the_model(corpus_dir, embedder):
    chunker = Chunker(embedder.tokenizer)
    for article in load_corpus(corpus_dir).articles:
        for chunk in chunker.split(article):
            tokens = embedder.count_tokens(embedding_text(article.title, chunk.text))
            assert tokens <= embedder.max_tokens, (article.id, chunk.ordinal, tokens)


def _holds_the_build_lock(proc: subprocess.Popen, index: Path) -> bool:
    """Whether the process has the index folder's build lock open (it does while building);
    read from /proc, so the probe never takes the lock itself."""
    wanted = str((index / LOCK).resolve())
    try:
        fds = list(Path(f"/proc/{proc.pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(fd) == wanted:
                return True
        except OSError:
            continue
    return False


def _wait_for_the_build(index: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _holds_the_build_lock(proc, index):
            return
        assert proc.poll() is None, "the build finished before it could be killed"
        time.sleep(0.02)
    raise AssertionError("the build never started")


@pytest.mark.parametrize("delay", [0.0, 2.5])
def test_killed_build_leaves_the_previous_index_loadable(corpus_copy, index_copy, embedder, delay):
    before = IndexStore.open(index_copy).manifest
    for i in range(90):  # enough new text that embedding takes a while (about 5 s)
        (corpus_copy / f"filler-{i:02}.md").write_text(
            f"---\ntitle: Filler {i}\n---\n\n"
            + " ".join(
                f"Sentence {j} of filler article {i} about chip export rules." for j in range(60)
            )
        )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "index",
            "build",
            "--corpus",
            str(corpus_copy),
            "--index",
            str(index_copy),
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_the_build(index_copy, proc)
        time.sleep(delay)
        assert proc.poll() is None, "the build finished before it could be killed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    store = IndexStore.open(index_copy, embedder.model_id, ChunkSettings().as_dict())
    assert store.manifest == before
    assert SEED_ID in store.by_id and store.vectors.ntotal == store.size == before.chunks
    report = build_index(corpus_copy, index_copy, embedder)
    assert report.articles == 94
    assert not any(p.name.startswith(".tmp-") for p in (index_copy / BUILDS).iterdir())
