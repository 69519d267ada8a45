"""A damaged index is reported, not raised: each file of a build missing, truncated or altered
in turn gives one line naming it and "run `geoqa index build`" (exit status 2) from `geoqa ask`,
and the Discord bot refuses to start with the same line; `--if-stale` rebuilds a damaged index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.build.builder import build_index
from index.build.manifest import FORMAT_VERSION
from index.errors import IndexDamaged, IndexMismatch
from index.store.index_store import IndexStore
from index.store.integrity import build_files
from index.store.layout import CURRENT, MANIFEST, current_build

QUESTION = "Who is in the AI Alliance Network?"
REBUILD = "run `geoqa index build`"


def _missing(path: Path) -> None:
    path.unlink()


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _altered(path: Path) -> None:
    """One byte changed in the middle: same size, other contents."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGES = {"missing": _missing, "truncated": _truncated, "altered": _altered}
SAYS = {
    "missing": "is missing",
    "truncated": "is truncated",
    "altered": "does not match its checksum in the manifest",
}


def ask(embedder, index_dir: Path):
    args = ["ask", QUESTION, "--index", str(index_dir), "--json"]
    return CliRunner().invoke(cli, args, obj={"embedder": embedder})


def assert_one_line_naming(result, path: Path, says: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and "Traceback" not in result.output
    line = result.stderr.strip()
    assert line.count("\n") == 0, result.stderr
    assert line.startswith("error: the index is damaged: ")
    assert str(path) in line and says in line and line.endswith(REBUILD)


def test_the_build_records_every_file_with_its_size_and_checksum(fake_index_dir):
    folder = current_build(fake_index_dir)
    files = json.loads((folder / MANIFEST).read_text())["files"]
    names = build_files(folder)
    assert set(files) == set(names) and {"vectors.faiss", "meta.sqlite"} <= set(names)
    assert any(name.startswith("bm25/") for name in names)
    for name in names:
        assert files[name]["bytes"] == (folder / name).stat().st_size
        assert len(files[name]["sha256"]) == 64


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_each_damaged_file_is_one_line_naming_it(fake_index_dir, fake_embedder, tmp_path, damage):
    names = build_files(current_build(fake_index_dir))
    for name in names:  # each file in turn, in a fresh copy of the index
        index = Path(shutil.copytree(fake_index_dir, tmp_path / f"{damage}-{name}"))
        path = current_build(index) / name
        DAMAGES[damage](path)
        assert_one_line_naming(ask(fake_embedder, index), path, SAYS[damage])


@pytest.mark.parametrize(
    "damage, says",
    [
        (_missing, "is missing"),
        (_truncated, "cannot be read"),
        (lambda p: p.write_text("[1, 2]"), "cannot be read (not a JSON object)"),
    ],
)
def test_a_damaged_manifest_is_one_line_naming_it(fake_index_copy, fake_embedder, damage, says):
    path = current_build(fake_index_copy) / MANIFEST
    damage(path)
    assert_one_line_naming(ask(fake_embedder, fake_index_copy), path, says)


def test_a_manifest_that_does_not_match_its_files_is_one_line(fake_index_copy, fake_embedder):
    path = current_build(fake_index_copy) / MANIFEST
    data = json.loads(path.read_text())
    data["files"]["meta.sqlite"]["bytes"] += 1
    path.write_text(json.dumps(data))
    meta = current_build(fake_index_copy) / "meta.sqlite"
    assert_one_line_naming(ask(fake_embedder, fake_index_copy), meta, "is truncated")


def test_a_live_build_folder_that_is_gone_is_one_line(fake_index_copy, fake_embedder):
    folder = current_build(fake_index_copy)
    shutil.rmtree(folder)
    assert_one_line_naming(ask(fake_embedder, fake_index_copy), folder, "is missing")
    (fake_index_copy / CURRENT).unlink()  # no live build at all: nothing was built
    result = ask(fake_embedder, fake_index_copy)
    assert result.exit_code == 2 and f"no index in {fake_index_copy}" in result.stderr


def test_an_index_of_the_first_format_says_rebuild(fake_index_copy):
    path = current_build(fake_index_copy) / MANIFEST
    data = json.loads(path.read_text())
    del data["files"]
    path.write_text(json.dumps({**data, "format": 1}))
    message = f"has format 1, not {FORMAT_VERSION}; {REBUILD}"
    with pytest.raises(IndexMismatch, match=message.replace("`", "\\`")):
        IndexStore.open(fake_index_copy)


def test_the_discord_bot_refuses_to_start_on_a_damaged_index(fake_index_copy, fake_embedder):
    path = current_build(fake_index_copy) / "vectors.faiss"
    _truncated(path)
    env = {"DISCORD_TOKEN": "x", "GEOQA_DISCORD_API_URL": "http://127.0.0.1:9/api/v10"}
    result = CliRunner().invoke(
        cli, ["discord", "-i", str(fake_index_copy)], env=env, obj={"embedder": fake_embedder}
    )
    assert_one_line_naming(result, path, "is truncated")


def test_if_stale_rebuilds_a_damaged_index(corpus_dir, fake_index_copy, fake_embedder):
    _altered(current_build(fake_index_copy) / "meta.sqlite")
    with pytest.raises(IndexDamaged):
        IndexStore.open(fake_index_copy)
    report = build_index(corpus_dir, fake_index_copy, fake_embedder, if_stale=True)
    assert not report.up_to_date and report.embedded == 0  # every vector was in the cache
    assert IndexStore.open(fake_index_copy).size == report.chunks
    again = build_index(corpus_dir, fake_index_copy, fake_embedder, if_stale=True)
    assert again.up_to_date
