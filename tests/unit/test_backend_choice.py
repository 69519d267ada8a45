"""Which backend runs which model (nothing is loaded to choose): `auto` runs the packaged model,
or the model the ONNX export was made from, as that export and any other model on torch; a GPU
build runs on torch; set-up's export step skips models it cannot export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import cli
from index.embedders.factory import make_embedder
from index.embedders.models import PACKAGED_MODEL_ID
from index.embedders.onnx_model import META_FILE, MODEL_FILE, OnnxEmbedder
from index.embedders.torch_model import TorchEmbedder
from index.errors import ConfigError
from index.settings import IndexConfig


def export_of(folder: Path, source: str, quantization: str | None = "int8") -> Path:
    """An export folder's description (the model file is never read to choose)."""
    folder.mkdir(parents=True)
    (folder / MODEL_FILE).write_bytes(b"")
    meta = {"model_id": f"{source}+onnx-int8", "source_model": source, "dim": 384}
    (folder / META_FILE).write_text(json.dumps({**meta, "quantization": quantization}))
    return folder


def config(onnx_dir: Path, backend: str = "auto") -> IndexConfig:
    return IndexConfig.from_env({"GEOQA_ONNX_DIR": str(onnx_dir), "GEOQA_EMBED_BACKEND": backend})


def test_auto_runs_the_packaged_model_as_its_export_and_others_on_torch(tmp_path):
    packaged = export_of(tmp_path / "packaged", PACKAGED_MODEL_ID)
    chosen = make_embedder(config(packaged))
    assert isinstance(chosen, OnnxEmbedder) and chosen.model_id.endswith("+onnx-int8")
    other = tmp_path / "other-model"
    other.mkdir()
    assert isinstance(make_embedder(config(packaged), str(other)), TorchEmbedder)
    own = export_of(tmp_path / "own", str(other.resolve()))  # an export of that other model
    assert isinstance(make_embedder(config(own), str(other)), OnnxEmbedder)
    assert isinstance(make_embedder(config(packaged, "torch")), TorchEmbedder)
    assert isinstance(make_embedder(config(packaged), backend="torch"), TorchEmbedder)


def test_an_export_that_does_not_fit_is_refused_with_the_fix(tmp_path):
    packaged = export_of(tmp_path / "packaged", PACKAGED_MODEL_ID, quantization=None)
    with pytest.raises(ConfigError, match="unquantized export.*geoqa index export-onnx"):
        make_embedder(config(packaged))
    with pytest.raises(ConfigError, match="no ONNX export in .*geoqa index export-onnx"):
        make_embedder(config(tmp_path / "none"))
    with pytest.raises(ConfigError, match="--device cuda runs the torch model"):
        make_embedder(config(packaged, "onnx-int8"), device="cuda")
    with pytest.raises(ConfigError, match="unknown device 'tpu'"):
        make_embedder(config(packaged), device="tpu")


def test_set_up_skips_a_model_it_cannot_export(tmp_path):
    args = ["index", "export-onnx", "--out", str(tmp_path), "--if-stale", "-m", "org/hub-model"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0 and "not a local model folder" in result.stdout
    assert not any(tmp_path.iterdir())
