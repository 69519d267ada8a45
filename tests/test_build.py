"""Building the index: cache reuse, incremental changes, deletion, mismatches, atomic swaps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.build import build_index
from index.chunking import ChunkSettings
from index.errors import IndexMismatch, IndexMissing
from index.store import BUILDS, IndexStore
from tests.conftest import REPO, SEED_ID


def test_second_build_embeds_nothing(corpus_dir, index_copy, embedder):
    report = build_index(corpus_dir, index_copy, embedder)
    assert report.embedded == 0
    assert report.reused == report.chunks > 0


def test_changing_one_article_embeds_only_its_chunks(corpus_copy, index_copy, embedder):
    path = corpus_copy / "2025-03-05-northbridge-compact.txt"
    path.write_text(path.read_text() + "\nThe next meeting is planned for Oslo in 2026.\n")
    report = build_index(corpus_copy, index_copy, embedder)
    store = IndexStore.open(index_copy)
    changed = [r for r in range(store.size) if store.chunk(r).article_id == path.stem]
    assert report.embedded == len(changed) >= 1
    assert report.reused == report.chunks - report.embedded
    assert "Oslo" in store.text(path.stem)


def test_deleted_article_disappears_and_re_adding_does_not_duplicate(
    corpus_copy, index_dir, index_copy, embedder
):
    path = corpus_copy / "2024-10-01-meridian-chip-rules.md"
    saved = path.read_bytes()
    path.unlink()
    build_index(corpus_copy, index_copy, embedder)
    store = IndexStore.open(index_copy)
    assert "2024-10-01-meridian-chip-rules" not in store.by_id
    path.write_bytes(saved)
    report = build_index(corpus_copy, index_copy, embedder)
    store = IndexStore.open(index_copy)
    assert report.embedded == 0
    assert len(store.articles) == len({a.id for a in store.articles}) == report.articles
    assert store.size == IndexStore.open(index_dir).size


def test_removing_an_article_rebuilds_without_splitting_or_embedding_anything(
    corpus_copy, index_copy
):
    (corpus_copy / "2024-10-01-meridian-chip-rules.md").unlink()
    report = build_index(corpus_copy, index_copy, NoModel())
    assert report.embedded == 0 and report.articles == 3
    store = IndexStore.open(index_copy)
    for row in range(store.size):
        ref = store.chunk(row)
        assert store.text(ref.article_id)[ref.start : ref.end] == store.chunk_text(row)


def test_missing_index_says_to_rebuild(tmp_path):
    with pytest.raises(IndexMissing, match="run `geoqa index build`"):
        IndexStore.open(tmp_path / "nothing-here")


def test_index_built_with_another_model_is_refused(index_dir):
    with pytest.raises(IndexMismatch, match="was built with model .*run `geoqa index build`"):
        IndexStore.open(index_dir, model_id="sentence-transformers/all-mpnet-base-v2")


def test_index_built_with_other_chunking_is_refused(corpus_dir, tmp_path, embedder):
    build_index(corpus_dir, tmp_path, embedder, chunk_settings=ChunkSettings(120, 20))
    with pytest.raises(IndexMismatch, match="chunking"):
        IndexStore.open(tmp_path, embedder.model_id, ChunkSettings().as_dict())


def test_manifest_records_model_dims_chunking_fingerprint_and_versions(index_dir):
    manifest = IndexStore.open(index_dir).manifest
    assert manifest["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert manifest["dim"] == 384
    assert manifest["chunking"] == ChunkSettings().as_dict()
    assert len(manifest["corpus_fingerprint"]) == 64
    assert manifest["articles"] == 4 and manifest["chunks"] >= 9
    assert {"faiss-cpu", "sentence-transformers", "python"} <= set(manifest["versions"])


class NoModel:
    """Stands in for the embedder where a build must not need the model at all."""

    model_id = "sentence-transformers/all-MiniLM-L6-v2"

    def __getattr__(self, name):
        raise AssertionError(f"the model was used: {name}")


def test_if_stale_skips_an_up_to_date_index_without_loading_a_model(corpus_dir, index_dir):
    report = build_index(corpus_dir, index_dir, NoModel(), if_stale=True)
    assert report.up_to_date and report.embedded == 0


def test_build_json_summary_has_the_documented_fields(corpus_dir, index_copy):
    result = CliRunner().invoke(
        cli, ["index", "build", "--corpus", str(corpus_dir), "--index", str(index_copy), "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {"articles", "chunks", "embedded", "reused", "skipped", "seconds"} <= set(summary)
    assert summary["articles"] == 4 and summary["embedded"] == 0


def test_skipped_files_are_listed_and_strict_fails(corpus_copy, index_copy):
    (corpus_copy / "broken.md").write_bytes(b"---\ntitle: [oops\n---\ntext\n")
    args = ["index", "build", "--corpus", str(corpus_copy), "--index", str(index_copy)]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["skipped"] == 1
    assert summary["skipped_files"][0]["reason"].startswith("front matter: invalid YAML")
    strict = CliRunner().invoke(cli, [*args, "--strict"])
    assert strict.exit_code != 0
    assert "broken.md: front matter: invalid YAML" in strict.stderr
    assert "Traceback" not in strict.output


def test_stats_reports_counts_model_and_build_time(index_dir):
    result = CliRunner().invoke(cli, ["index", "stats", "--index", str(index_dir), "--json"])
    stats = json.loads(result.stdout)
    assert stats["articles"] == 4 and stats["chunks"] > 0
    assert stats["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert stats["built_at"] and stats["newest_published"] == "2025-06-20"


def test_stats_without_index_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(cli, ["index", "stats", "--index", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "run `geoqa index build`" in result.stderr


def _wait_for_tmp_build(index: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.name.startswith(".tmp-") for p in (index / BUILDS).iterdir()):
            return
        assert proc.poll() is None, "the build finished before it could be killed"
        time.sleep(0.02)
    raise AssertionError("the build never started writing")


@pytest.mark.parametrize("delay", [0.0, 2.5])
def test_killed_build_leaves_the_previous_index_loadable(corpus_copy, index_copy, embedder, delay):
    before = IndexStore.open(index_copy).manifest
    for i in range(30):  # enough new text that embedding takes a while
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
        _wait_for_tmp_build(index_copy, proc)
        time.sleep(delay)
        assert proc.poll() is None, "the build finished before it could be killed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    store = IndexStore.open(index_copy, embedder.model_id, ChunkSettings().as_dict())
    assert store.manifest == before
    assert SEED_ID in store.by_id and store.vectors.ntotal == store.size == before["chunks"]
    report = build_index(corpus_copy, index_copy, embedder)
    assert report.articles == 34
    assert not any(p.name.startswith(".tmp-") for p in (index_copy / BUILDS).iterdir())
