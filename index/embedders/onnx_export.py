"""The offline ONNX export (a tool, run once): a local sentence-transformers folder (by default
the packaged all-MiniLM-L6-v2) becomes ``model.onnx`` (the transformer's token embeddings;
dynamic batch and sequence axes), int8-quantized, plus its tokenizer files and
``geoqa-onnx.json``, the folder :class:`~index.embedders.onnx_model.OnnxEmbedder` loads. Needs
torch and ``onnx``; nothing is downloaded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from index.embedders.models import DEFAULT_MODEL, resolve_model
from index.embedders.onnx_model import META_FILE, MODEL_FILE, onnx_model_id, read_export, require
from index.errors import ConfigError
from index.util import package_versions, replace_folder

log = logging.getLogger(__name__)

TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "config.json",
)
OPSET = 17
INPUT_NAMES = ("input_ids", "attention_mask")
VERSIONED_PACKAGES = ("torch", "transformers", "onnx", "onnxruntime")
EXPORT_FORMAT = 1  # bumped when the export itself changes: older exports are then stale


@dataclass(frozen=True)
class ExportReport:
    """What :func:`export_onnx` wrote."""

    folder: Path
    model_id: str
    source_model: str
    quantized: bool
    bytes: int
    seconds: float


def _source_layout(folder: Path) -> tuple[Path, int]:
    """The transformer's sub-folder and max sequence length of a sentence-transformers folder,
    after checking that it pools by mean and normalizes (what :class:`OnnxEmbedder` does)."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{folder} is not a sentence-transformers model folder: {exc}") from None
    kinds = {m["type"].rsplit(".", 1)[-1]: folder / m.get("path", "") for m in modules}
    if set(kinds) != {"Transformer", "Pooling", "Normalize"}:
        raise ConfigError(f"cannot export {folder}: expected Transformer, Pooling, Normalize")
    pooling = json.loads((kinds["Pooling"] / "config.json").read_text(encoding="utf-8"))
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode") and v is True}
    if modes != {"pooling_mode_mean_tokens"}:
        raise ConfigError(f"cannot export {folder}: only mean pooling is supported, not {modes}")
    config = json.loads((kinds["Transformer"] / "sentence_bert_config.json").read_text("utf-8"))
    return kinds["Transformer"], int(config["max_seq_length"])


def source_fingerprint(folder: Path) -> str:
    """A sha256 over every file of a model folder (names and contents): an export records the
    one of its source, so a changed model makes the export stale."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode("utf-8") + b"\0")
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def export_is_current(out_dir: str | Path, model: str = DEFAULT_MODEL) -> bool:
    """Whether ``out_dir`` holds an int8 export of ``model``, made by this export format from the
    model files as they are now (what ``geoqa index export-onnx --if-stale`` checks)."""
    try:
        meta = read_export(out_dir)
    except ConfigError:
        return False
    source_id, load_from = resolve_model(model)
    return (
        meta.get("format") == EXPORT_FORMAT
        and meta.get("source_model") == source_id
        and bool(meta.get("quantization"))
        and Path(load_from).is_dir()
        and meta.get("source_fingerprint") == source_fingerprint(Path(load_from))
    )


def export_onnx(
    out_dir: str | Path, quantize: bool = True, model: str = DEFAULT_MODEL
) -> ExportReport:
    """Export ``model`` (the packaged all-MiniLM-L6-v2 or a local sentence-transformers folder)
    to ONNX in ``out_dir``, int8-quantized (dynamic, per channel) unless ``quantize`` is False.

    The folder is written beside ``out_dir`` and swapped in when complete, replacing an older
    export. Offline: nothing is downloaded.
    """
    require("onnxruntime", "onnxruntime")
    require("onnx", "onnx")
    started = time.perf_counter()
    source_id, load_from = resolve_model(model)
    source = Path(load_from)
    if not source.is_dir():
        raise ConfigError(f"cannot export {model!r}: only a local model folder can be exported")
    transformer_dir, max_tokens = _source_layout(source)
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        os.chmod(work, 0o755)
        fp32 = work / ("model-fp32.onnx" if quantize else MODEL_FILE)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about shapes fixed in the graph
            _export_fp32(transformer_dir, fp32, max_tokens)
            if quantize:
                _quantize(fp32, work / MODEL_FILE)
                fp32.unlink()
        for name in TOKENIZER_FILES:
            if (transformer_dir / name).is_file():
                shutil.copy(transformer_dir / name, work / name)
        meta = {
            "format": EXPORT_FORMAT,
            "model_id": onnx_model_id(source_id, quantize),
            "source_model": source_id,
            "source_fingerprint": source_fingerprint(source),
            "pooling": "mean",
            "normalize": True,
            "quantization": "int8-dynamic-per-channel" if quantize else None,
            "max_tokens": max_tokens,
            "dim": _output_dim(work / MODEL_FILE),
            "opset": OPSET,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "versions": package_versions(VERSIONED_PACKAGES),
        }
        (work / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        replace_folder(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    size = (out / MODEL_FILE).stat().st_size
    log.info("exported %s to %s (%d bytes)", meta["model_id"], out, size)
    return ExportReport(
        out, meta["model_id"], source_id, quantize, size, time.perf_counter() - started
    )


def _export_fp32(transformer_dir: Path, path: Path, max_tokens: int) -> None:
    """``torch.onnx.export`` of the transformer, returning its token embeddings."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    bert = AutoModel.from_pretrained(str(transformer_dir), attn_implementation="eager")
    bert.eval()

    class TokenEmbeddings(torch.nn.Module):
        """The transformer with single-segment inputs; returns the last hidden state."""

        def __init__(self, inner) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            out = self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            )
            return out[0]

    example = (
        torch.ones((2, 16), dtype=torch.int64),
        torch.ones((2, 16), dtype=torch.int64),
    )
    axes = {0: "batch", 1: "sequence"}
    log.info("exporting %s to ONNX (opset %d, up to %d tokens)", transformer_dir, OPSET, max_tokens)
    with torch.no_grad():
        torch.onnx.export(
            TokenEmbeddings(bert),
            example,
            str(path),
            input_names=list(INPUT_NAMES),
            output_names=["token_embeddings"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_embeddings": axes},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def _quantize(source: Path, target: Path) -> None:
    """Dynamic int8 quantization of the weights (matrix products and the word-embedding table),
    per output channel: per tensor, cosine to the float model drops to about 0.95 on average."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    log.info("quantizing %s (int8, per channel)", source.name)
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # onnxruntime's advice lines go to the root logger
    try:
        quantize_dynamic(str(source), str(target), per_channel=True, weight_type=QuantType.QInt8)
    finally:
        logging.disable(previous)


def _output_dim(path: Path) -> int:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    return int(model.graph.output[0].type.tensor_type.shape.dim[2].dim_value)
