"""The optional ONNX int8 backend: export, closeness to the torch vectors, and use end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

pytest.importorskip("onnxruntime", reason="the onnx extra (onnxruntime) is not installed")

from bot.cli import cli  # noqa: E402
from index.articles.readers import load_corpus  # noqa: E402
from index.build.chunking import DEFAULT_CHUNKING, Chunker, embedding_text  # noqa: E402
from index.embedders.factory import make_embedder  # noqa: E402
from index.embedders.models import PACKAGED_MODEL_ID  # noqa: E402
from index.embedders.onnx_model import META_FILE, MODEL_FILE, OnnxEmbedder  # noqa: E402
from index.embedders.protocol import Embedder  # noqa: E402
from index.embedders.torch_model import TorchEmbedder  # noqa: E402
from index.errors import ConfigError, IndexMismatch  # noqa: E402
from index.settings import IndexConfig  # noqa: E402
from index.store.index_store import IndexStore  # noqa: E402
from index.store.layout import read_manifest  # noqa: E402
from tests.support.paths import REPO, SEED_ID, SHIPPED_CORPUS  # noqa: E402
from tests.support.verify import VerifyingQA, assert_quotes_the_members  # noqa: E402

ONNX_ID = f"{PACKAGED_MODEL_ID}+onnx-int8"


def _env(onnx_dir: Path) -> dict[str, str]:
    return {"GEOQA_EMBED_BACKEND": "onnx-int8", "GEOQA_ONNX_DIR": str(onnx_dir)}


@pytest.fixture(scope="session")
def onnx_dir(tmp_path_factory) -> Path:
    """The packaged model exported once, through the command line, with the Hub unreachable."""
    folder = tmp_path_factory.mktemp("onnx") / "int8"
    result = CliRunner().invoke(
        cli,
        ["index", "export-onnx", "--out", str(folder), "--json"],
        env={"HF_HUB_OFFLINE": "1", "HF_ENDPOINT": "http://127.0.0.1:9"},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["model"] == ONNX_ID
    return folder


@pytest.fixture(scope="module")
def onnx_embedder(onnx_dir) -> OnnxEmbedder:
    return OnnxEmbedder(onnx_dir)


@pytest.fixture(scope="module")
def onnx_index(onnx_dir, corpus_dir, tmp_path_factory) -> Path:
    """The test corpus indexed with GEOQA_EMBED_BACKEND=onnx-int8 via `geoqa index build`."""
    folder = tmp_path_factory.mktemp("onnx-index")
    args = ["index", "build", "--corpus", str(corpus_dir), "--index", str(folder), "--json"]
    result = CliRunner().invoke(cli, args, env=_env(onnx_dir))
    assert result.exit_code == 0, result.output
    return folder


def test_export_writes_the_model_tokenizer_and_its_description(onnx_dir):
    meta = json.loads((onnx_dir / META_FILE).read_text())
    assert meta["model_id"] == ONNX_ID and meta["source_model"] == PACKAGED_MODEL_ID
    assert (meta["pooling"], meta["normalize"]) == ("mean", True)
    assert meta["quantization"] == "int8-dynamic-per-channel"
    assert (meta["dim"], meta["max_tokens"]) == (384, 256)
    assert (onnx_dir / MODEL_FILE).stat().st_size < 80e6  # int8 weights, not the 90 MB float
    assert (onnx_dir / "tokenizer.json").is_file()


def _shipped_texts(embedder: TorchEmbedder) -> list[str]:
    chunker = Chunker(embedder.tokenizer)
    return [
        embedding_text(article.title, chunk.text)
        for article in load_corpus(SHIPPED_CORPUS).articles
        for chunk in chunker.split(article)
    ]


def test_vectors_are_close_to_the_torch_vectors(embedder, onnx_embedder, calibration):
    questions = [case["q"] for case in calibration["answerable"][:10]]
    long_text = " ".join(["Export controls on AI chips tightened again this week."] * 80)
    texts = [*_shipped_texts(embedder), *questions, long_text, "AI"]
    ours, theirs = onnx_embedder.encode(texts), embedder.encode(texts)
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosine = (ours * theirs).sum(axis=1)
    assert cosine.min() >= 0.98, cosine.min()
    assert cosine.mean() >= 0.99, cosine.mean()
    alone = onnx_embedder.encode_query(questions[0])  # a text's vector never depends on others
    assert np.allclose(alone, ours[len(texts) - 12], atol=1e-6)
    assert onnx_embedder.encode([]).shape == (0, 384)


def test_tokenizer_lengths_and_chunks_match_the_torch_model(embedder, onnx_embedder):
    assert (onnx_embedder.dim, onnx_embedder.max_tokens) == (embedder.dim, embedder.max_tokens)
    text = "Russia’s announcement of a new AI Alliance Network, with BRICS nations."
    assert onnx_embedder.count_tokens(text) == embedder.count_tokens(text)
    seed = next(a for a in load_corpus(SHIPPED_CORPUS).articles if a.id == SEED_ID)
    ours = Chunker(onnx_embedder.tokenizer).split(seed)
    assert ours == Chunker(embedder.tokenizer).split(seed)


def test_an_onnx_index_records_its_model_and_the_torch_model_refuses_it(onnx_index, embedder):
    assert read_manifest(onnx_index).model == ONNX_ID
    with pytest.raises(IndexMismatch, match="onnx-int8.*run `geoqa index build`"):
        IndexStore.open(onnx_index, embedder.model_id, DEFAULT_CHUNKING.as_dict())


def test_questions_are_answered_over_an_onnx_index(onnx_index, onnx_embedder):
    qa = VerifyingQA.open(onnx_index, onnx_embedder)
    answer = qa.ask("Who is in the AI Alliance Network?")
    assert_quotes_the_members(answer)


def test_the_backend_setting_picks_the_embedder(onnx_dir, tmp_path):
    assert isinstance(make_embedder(IndexConfig.from_env({})), TorchEmbedder)
    chosen = make_embedder(IndexConfig.from_env(_env(onnx_dir)))
    assert isinstance(chosen, OnnxEmbedder) and chosen.model_id == ONNX_ID
    assert isinstance(chosen, Embedder)  # the protocol, checked on a loaded implementation
    with pytest.raises(ConfigError, match="run `geoqa index export-onnx`"):
        make_embedder(IndexConfig.from_env(_env(tmp_path / "none")))
    with pytest.raises(ConfigError, match="GEOQA_EMBED_BACKEND must be one of torch, onnx-int8"):
        IndexConfig.from_env({"GEOQA_EMBED_BACKEND": "tensorrt"})


def test_a_missing_export_is_one_line_from_the_cli(tmp_path, corpus_dir):
    args = ["index", "build", "--corpus", str(corpus_dir), "--index", str(tmp_path / "index")]
    result = CliRunner().invoke(cli, args, env=_env(tmp_path / "none"))
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "geoqa index export-onnx" in result.stderr


def test_querying_never_imports_torch(onnx_dir):
    script = (
        "import sys\n"
        "from index.embedders.onnx_model import OnnxEmbedder\n"
        f"vec = OnnxEmbedder({str(onnx_dir)!r}).encode_query('Who leads the AI race?')\n"
        "assert vec.shape == (384,)\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
