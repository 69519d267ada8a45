"""Building the index: cache reuse, incremental changes, deletion, mismatches, the manifest, the
build lock and the command line (with the fake embedder; see integration for a killed build)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.build.builder import build_index
from index.build.chunking import ChunkSettings
from index.build.manifest import FORMAT_VERSION, Manifest
from index.errors import IndexMismatch, IndexMissing
from index.store.index_store import IndexStore
from index.store.layout import BuildLocked, build_lock, current_build, read_manifest

MANIFEST_KEYS = {
    "format", "model", "dim", "chunking", "faiss", "lexical", "corpus_fingerprint", "articles",
    "chunks", "sources", "newest_published", "built_at", "versions", "faiss_params", "store",
    "files",
}  # fmt: skip


def invoke(fake_embedder, *args: str):
    return CliRunner().invoke(cli, list(args), obj={"embedder": fake_embedder})


def test_second_build_embeds_nothing(corpus_dir, fake_index_copy, fake_embedder):
    report = build_index(corpus_dir, fake_index_copy, fake_embedder)
    assert report.embedded == 0
    assert report.reused == report.chunks > 0


def test_changing_one_article_embeds_only_its_chunks(corpus_copy, fake_index_copy, fake_embedder):
    path = corpus_copy / "2025-03-05-northbridge-compact.txt"
    path.write_text(path.read_text() + "\nThe next meeting is planned for Oslo in 2026.\n")
    report = build_index(corpus_copy, fake_index_copy, fake_embedder)
    store = IndexStore.open(fake_index_copy)
    changed = [r for r in range(store.size) if store.chunk(r).article_id == path.stem]
    assert report.embedded == len(changed) >= 1
    assert report.reused == report.chunks - report.embedded
    assert "Oslo" in store.text(path.stem)


def test_deleted_article_disappears_and_re_adding_does_not_duplicate(
    corpus_copy, fake_index_dir, fake_index_copy, fake_embedder
):
    path = corpus_copy / "2024-10-01-meridian-chip-rules.md"
    saved = path.read_bytes()
    path.unlink()
    build_index(corpus_copy, fake_index_copy, fake_embedder)
    store = IndexStore.open(fake_index_copy)
    assert "2024-10-01-meridian-chip-rules" not in store.by_id
    path.write_bytes(saved)
    report = build_index(corpus_copy, fake_index_copy, fake_embedder)
    store = IndexStore.open(fake_index_copy)
    assert report.embedded == 0
    assert len(store.articles) == len({a.id for a in store.articles}) == report.articles
    assert store.size == IndexStore.open(fake_index_dir).size


class NoModel:
    """Stands in for the embedder where a build must not need the model at all."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id

    def __getattr__(self, name):
        raise AssertionError(f"the model was used: {name}")


def test_removing_an_article_rebuilds_without_splitting_or_embedding_anything(
    corpus_copy, fake_index_copy, fake_embedder
):
    (corpus_copy / "2024-10-01-meridian-chip-rules.md").unlink()
    report = build_index(corpus_copy, fake_index_copy, NoModel(fake_embedder.model_id))
    assert report.embedded == 0 and report.articles == 3
    store = IndexStore.open(fake_index_copy)
    for row in range(store.size):
        ref = store.chunk(row)
        assert store.text(ref.article_id)[ref.start : ref.end] == store.chunk_text(row)


def test_if_stale_skips_an_up_to_date_index_without_loading_a_model(
    corpus_dir, fake_index_dir, fake_embedder
):
    report = build_index(corpus_dir, fake_index_dir, NoModel(fake_embedder.model_id), if_stale=True)
    assert report.up_to_date and report.embedded == 0


def test_missing_index_says_to_rebuild(tmp_path):
    with pytest.raises(IndexMissing, match="run `geoqa index build`"):
        IndexStore.open(tmp_path / "nothing-here")


def test_index_built_with_another_model_is_refused(fake_index_dir):
    with pytest.raises(IndexMismatch, match="was built with model .*run `geoqa index build`"):
        IndexStore.open(fake_index_dir, model_id="sentence-transformers/all-mpnet-base-v2")


def test_index_built_with_other_chunking_is_refused(corpus_dir, tmp_path, fake_embedder):
    build_index(corpus_dir, tmp_path, fake_embedder, chunk_settings=ChunkSettings(120, 20))
    with pytest.raises(IndexMismatch, match="chunking"):
        IndexStore.open(tmp_path, fake_embedder.model_id, ChunkSettings().as_dict())


def test_an_index_of_another_format_is_refused(fake_index_copy):
    path = current_build(fake_index_copy) / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "format": FORMAT_VERSION + 1}))
    with pytest.raises(IndexMismatch, match=f"has format {FORMAT_VERSION + 1}"):
        IndexStore.open(fake_index_copy)


def test_manifest_keeps_its_json_keys_and_reads_back_the_same(fake_index_dir, fake_embedder):
    path = current_build(fake_index_dir) / "manifest.json"
    data = json.loads(path.read_text())
    assert set(data) == MANIFEST_KEYS and data["format"] == FORMAT_VERSION
    manifest = read_manifest(fake_index_dir)
    assert manifest.to_json() == data and json.loads(manifest.dumps()) == data
    assert (manifest.model, manifest.dim) == (fake_embedder.model_id, fake_embedder.dim)
    assert manifest.chunking == ChunkSettings().as_dict()
    assert len(manifest.corpus_fingerprint) == 64
    assert manifest.articles == 4 and manifest.chunks >= 9
    assert {"faiss-cpu", "sentence-transformers", "python"} <= set(manifest.versions)


def test_a_manifest_from_an_older_build_without_optional_keys_loads():
    old = {"format": 1, "model": "m", "dim": 3, "chunking": {}, "corpus_fingerprint": "f"}
    manifest = Manifest.from_json({**old, "articles": 1, "chunks": 2, "built_at": "t", "x": 1})
    assert (manifest.faiss, manifest.sources, manifest.newest_published) == ("flat", [], None)


def test_a_second_concurrent_build_fails_at_once(tmp_path):
    with (
        build_lock(tmp_path),
        pytest.raises(BuildLocked, match="another build"),
        build_lock(tmp_path),
    ):
        pass
    with build_lock(tmp_path):  # released: a later build may run
        pass


def test_build_json_summary_has_the_documented_fields(corpus_dir, fake_index_copy, fake_embedder):
    result = invoke(
        fake_embedder, "index", "build", "-c", str(corpus_dir), "-i", str(fake_index_copy), "--json"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {"articles", "chunks", "embedded", "reused", "skipped", "seconds"} <= set(summary)
    assert summary["articles"] == 4 and summary["embedded"] == 0


def test_skipped_files_are_listed_and_strict_fails_with_status_2(
    corpus_copy, fake_index_copy, fake_embedder
):
    (corpus_copy / "broken.md").write_bytes(b"---\ntitle: [oops\n---\ntext\n")
    args = ["index", "build", "--corpus", str(corpus_copy), "--index", str(fake_index_copy)]
    result = invoke(fake_embedder, *args, "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["skipped"] == 1
    assert summary["skipped_files"][0]["reason"].startswith("front matter: invalid YAML")
    strict = invoke(fake_embedder, *args, "--strict")
    assert strict.exit_code == 2
    assert "broken.md: front matter: invalid YAML" in strict.stderr
    assert strict.stderr.rstrip().endswith("error: 1 file(s) skipped and --strict is set")
    assert "Traceback" not in strict.output


def test_stats_reports_counts_model_and_build_time(fake_index_dir, fake_embedder):
    result = invoke(fake_embedder, "index", "stats", "-i", str(fake_index_dir), "--json")
    stats = json.loads(result.stdout)
    assert stats["articles"] == 4 and stats["chunks"] > 0
    assert stats["model"] == fake_embedder.model_id
    assert stats["built_at"] and stats["newest_published"] == "2025-06-20"


def test_stats_without_index_is_one_line_and_exit_2(tmp_path, fake_embedder):
    result = invoke(fake_embedder, "index", "stats", "--index", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert "run `geoqa index build`" in result.stderr
