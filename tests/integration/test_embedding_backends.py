"""The embedding backends: the default int8 ONNX export (made offline, current or redone), its
closeness to the torch model, torch where it is asked for, answering and building without
importing torch, and GPU builds refused where torch sees no GPU."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.articles.readers import load_corpus
from index.build.chunking import DEFAULT_CHUNKING, Chunker, embedding_text
from index.embedders.factory import make_embedder
from index.embedders.models import PACKAGED_MODEL_ID
from index.embedders.onnx_export import export_is_current
from index.embedders.onnx_model import META_FILE, MODEL_FILE, OnnxEmbedder
from index.embedders.protocol import Embedder
from index.embedders.torch_model import TorchEmbedder
from index.errors import ConfigError, IndexMismatch
from index.settings import IndexConfig
from index.store.index_store import IndexStore
from index.store.layout import read_manifest
from tests.support.paths import REPO, SEED_ID, SHIPPED_CORPUS
from tests.support.verify import VerifyingQA, assert_quotes_the_members

ONNX_ID = f"{PACKAGED_MODEL_ID}+onnx-int8"
HEAVY_MODULES = {"torch", "transformers", "sentence_transformers"}


def _env(onnx_dir: Path, backend: str = "auto") -> dict[str, str]:
    return {"GEOQA_EMBED_BACKEND": backend, "GEOQA_ONNX_DIR": str(onnx_dir)}


@pytest.fixture(scope="module")
def cli_export(tmp_path_factory) -> Path:
    """The packaged model exported through the command line, with the Hub unreachable."""
    folder = tmp_path_factory.mktemp("onnx") / "int8"
    result = CliRunner().invoke(
        cli,
        ["index", "export-onnx", "--out", str(folder), "--json"],
        env={"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"] == ONNX_ID
    return folder


def test_export_writes_the_model_tokenizer_and_its_description(cli_export):
    meta = json.loads((cli_export / META_FILE).read_text())
    assert meta["model_id"] == ONNX_ID and meta["source_model"] == PACKAGED_MODEL_ID
    assert (meta["pooling"], meta["normalize"]) == ("mean", True)
    assert meta["quantization"] == "int8-dynamic-per-channel"
    assert (meta["dim"], meta["max_tokens"]) == (384, 256)
    assert len(meta["source_fingerprint"]) == 64
    assert (cli_export / MODEL_FILE).stat().st_size < 80e6  # int8 weights, not the 90 MB float
    assert (cli_export / "tokenizer.json").is_file()


def test_a_current_export_is_kept_and_a_stale_one_is_redone(cli_export, tmp_path):
    args = ["index", "export-onnx", "--out", str(cli_export), "--if-stale", "--json"]
    kept = CliRunner().invoke(cli, args)
    assert kept.exit_code == 0 and json.loads(kept.stdout)["up_to_date"] is True
    stale = Path(shutil.copytree(cli_export, tmp_path / "stale"))
    meta = json.loads((stale / META_FILE).read_text())
    (stale / META_FILE).write_text(json.dumps({**meta, "source_fingerprint": "0" * 64}))
    assert export_is_current(cli_export) and not export_is_current(stale)
    assert not export_is_current(tmp_path / "nothing")


def _shipped_texts(tokenizer) -> list[str]:
    chunker = Chunker(tokenizer)
    return [
        embedding_text(article.title, chunk.text)
        for article in load_corpus(SHIPPED_CORPUS).articles
        for chunk in chunker.split(article)
    ]


def test_vectors_are_close_to_the_torch_vectors(torch_embedder, embedder, calibration):
    questions = [case["q"] for case in calibration["answerable"][:10]]
    long_text = " ".join(["Export controls on AI chips tightened again this week."] * 80)
    texts = [*_shipped_texts(embedder.tokenizer), *questions, long_text, "AI"]
    ours, theirs = embedder.encode(texts), torch_embedder.encode(texts)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() >= 0.98, cosine.min()
    assert cosine.mean() >= 0.99, cosine.mean()
    alone = embedder.encode_query(questions[0])  # a text's vector never depends on others
    assert np.allclose(alone, ours[len(texts) - 12], atol=1e-6)
    assert embedder.encode([]).shape == (0, 384)


def test_word_pieces_and_chunks_match_the_torch_tokenizer(torch_embedder, embedder, corpus_dir):
    assert (embedder.dim, embedder.max_tokens) == (torch_embedder.dim, torch_embedder.max_tokens)
    text = "Russia’s announcement of a new AI Alliance Network, with BRICS nations."
    assert embedder.count_tokens(text) == torch_embedder.count_tokens(text)
    ours, theirs = Chunker(embedder.tokenizer), Chunker(torch_embedder.tokenizer)
    for article in load_corpus(corpus_dir).articles:
        for n in (True, False):
            counted = embedder.tokenizer(article.text, add_special_tokens=n)["input_ids"]
            wanted = torch_embedder.tokenizer(article.text, add_special_tokens=n, verbose=False)
            assert counted == wanted["input_ids"], article.id
        assert ours.split(article) == theirs.split(article), article.id


def test_the_default_index_records_the_onnx_model_and_torch_refuses_it(index_dir, torch_embedder):
    assert read_manifest(index_dir).model == ONNX_ID
    with pytest.raises(IndexMismatch, match="onnx-int8.*run `geoqa index build`"):
        IndexStore.open(index_dir, torch_embedder.model_id, DEFAULT_CHUNKING.as_dict())


@pytest.fixture(scope="module")
def torch_index(tmp_path_factory, corpus_dir, torch_embedder) -> Path:
    """The test corpus indexed with `geoqa index build --backend torch`."""
    folder = tmp_path_factory.mktemp("torch-index")
    args = ["index", "build", "-c", str(corpus_dir), "-i", str(folder), "--backend", "torch"]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return folder


def test_a_torch_index_answers_with_torch_and_the_default_backend_says_rebuild(
    torch_index, torch_embedder, onnx_dir
):
    assert read_manifest(torch_index).model == PACKAGED_MODEL_ID
    qa = VerifyingQA.open(torch_index, torch_embedder)
    assert_quotes_the_members(qa.ask("Who is in the AI Alliance Network?"))
    args = ["ask", "Who is in the AI Alliance Network?", "--index", str(torch_index)]
    refused = CliRunner().invoke(cli, args, env=_env(onnx_dir))
    assert refused.exit_code == 2 and "run `geoqa index build`" in refused.stderr
    answered = CliRunner().invoke(cli, [*args, "--json"], env=_env(onnx_dir, "torch"))
    assert answered.exit_code == 0, answered.output
    assert SEED_ID in {s["article_id"] for s in json.loads(answered.stdout)["sources"]}


def test_the_backend_setting_picks_the_embedder(onnx_dir, tmp_path):
    chosen = make_embedder(IndexConfig.from_env(_env(onnx_dir)))
    assert isinstance(chosen, OnnxEmbedder) and chosen.model_id == ONNX_ID
    assert isinstance(chosen, Embedder)  # the protocol, checked on a loaded implementation
    assert isinstance(make_embedder(IndexConfig.from_env(_env(onnx_dir, "torch"))), TorchEmbedder)
    other = tmp_path / "another-model"  # any other model runs on torch under `auto`
    other.mkdir()
    config = IndexConfig.from_env(_env(onnx_dir))
    assert isinstance(make_embedder(config, str(other)), TorchEmbedder)
    with pytest.raises(ConfigError, match="not an int8 export of"):
        make_embedder(IndexConfig.from_env(_env(onnx_dir, "onnx-int8")), str(other))
    with pytest.raises(ConfigError, match="run `geoqa index export-onnx`"):
        make_embedder(IndexConfig.from_env(_env(tmp_path / "none")))
    with pytest.raises(ConfigError, match="GEOQA_EMBED_BACKEND must be one of auto, torch"):
        IndexConfig.from_env({"GEOQA_EMBED_BACKEND": "tensorrt"})


def test_a_missing_export_is_one_line_from_the_cli(tmp_path, corpus_dir):
    args = ["index", "build", "--corpus", str(corpus_dir), "--index", str(tmp_path / "index")]
    result = CliRunner().invoke(cli, args, env=_env(tmp_path / "none"))
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "geoqa index export-onnx" in result.stderr


DISCORD_ENGINE = """
import os, sys
from pathlib import Path
import bot.discord.client
from bot.engine import Engine
from index import IndexConfig, StoreAccess, make_embedder
config = IndexConfig.from_env(os.environ)
stores = StoreAccess(config, Path(sys.argv[1]))
engine = Engine(config.corpus_dir, stores.index_dir, make_embedder(config), stores=stores)
assert engine.ask("Who is in the AI Alliance Network?").found
"""


def _imported(*args: str, stdin: str | None = None) -> set[str]:
    """The modules `python -m bot ARGS` (or `python -c SCRIPT ARGS`) imports, from -X importtime,
    after checking it ran."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = list(args) if args[0] == "-c" else ["-m", "bot", *args]
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *command],
        input=stdin,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[-1].strip() for line in lines}


def test_answering_never_imports_torch(index_dir):
    asked = _imported("ask", "Who is in the AI Alliance Network?", "--index", str(index_dir))
    assert {"onnxruntime", "faiss", "bot.qa"} <= asked  # it did load the model and the index
    assert not HEAVY_MODULES & {name.split(".")[0] for name in asked}
    lines = "Who is in the AI Alliance Network?\n:quit\n"
    in_repl = _imported("repl", "--index", str(index_dir), stdin=lines)
    assert "bot.repl" in in_repl and not HEAVY_MODULES & {n.split(".")[0] for n in in_repl}
    in_bot = _imported("-c", DISCORD_ENGINE, str(index_dir))  # the Discord bot's engine
    assert "discord" in in_bot and not HEAVY_MODULES & {n.split(".")[0] for n in in_bot}


def test_building_never_imports_torch(corpus_dir, tmp_path):
    args = ["index", "build", "--corpus", str(corpus_dir), "--index", str(tmp_path / "index")]
    built = _imported(*args)
    assert {"onnxruntime", "tokenizers", "langchain_text_splitters"} <= built
    assert not HEAVY_MODULES & {name.split(".")[0] for name in built}
    assert read_manifest(tmp_path / "index").model == ONNX_ID


def test_a_gpu_build_without_a_gpu_is_one_line_and_status_2(corpus_dir, tmp_path):
    import torch

    if torch.cuda.is_available():  # pragma: no cover - only on a machine with a GPU
        pytest.skip("torch sees a GPU here: the refusal cannot happen")
    args = ["index", "build", "-c", str(corpus_dir), "-i", str(tmp_path / "i"), "--device", "cuda"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip().count("\n") == 0
    assert "--device cuda: torch" in result.stderr and "sees no GPU" in result.stderr
    assert not (tmp_path / "i").exists()
    onnx = CliRunner().invoke(cli, [*args, "--backend", "onnx-int8"])
    assert onnx.exit_code == 2 and "use it with --backend torch" in onnx.stderr
