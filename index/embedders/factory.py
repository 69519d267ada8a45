"""The embedder a configuration asks for (``GEOQA_EMBED_BACKEND``): by default (``auto``) the
int8 ONNX export for the packaged model and the torch model for any other; ``torch`` or
``onnx-int8`` to choose. Only the torch backend imports torch, and only when it first embeds."""

from __future__ import annotations

from index.embedders.models import PACKAGED_MODEL_ID, resolve_model
from index.embedders.onnx_model import EXPORT_HINT, OnnxEmbedder, read_export
from index.embedders.protocol import Embedder
from index.embedders.torch_model import DEVICES, TorchEmbedder, check_device
from index.errors import ConfigError
from index.settings import BACKEND_AUTO, BACKEND_ONNX_INT8, BACKEND_TORCH, IndexConfig


def resolve_backend(config: IndexConfig, model_id: str, backend: str | None, device: str) -> str:
    """The backend that runs ``model_id``: ``backend`` (or ``GEOQA_EMBED_BACKEND``), with
    ``auto`` meaning onnx-int8 for the packaged model, or for the model the export in
    ``GEOQA_ONNX_DIR`` was made from, and torch otherwise (and on a GPU)."""
    chosen = backend or config.embed_backend
    if chosen != BACKEND_AUTO:
        return chosen
    if device != "cpu":
        return BACKEND_TORCH
    if model_id == PACKAGED_MODEL_ID:
        return BACKEND_ONNX_INT8
    try:
        exported = read_export(config.onnx_dir).get("source_model")
    except ConfigError:
        return BACKEND_TORCH
    return BACKEND_ONNX_INT8 if exported == model_id else BACKEND_TORCH


def make_embedder(
    config: IndexConfig,
    model: str | None = None,
    *,
    backend: str | None = None,
    device: str = "cpu",
) -> Embedder:
    """The embedder the configuration asks for. ``model`` overrides ``GEOQA_EMBED_MODEL``,
    ``backend`` ``GEOQA_EMBED_BACKEND``; ``device`` (``cpu`` or ``cuda``) is where the torch model
    runs (a GPU runs it in fp16). The ONNX export is checked to be an int8 export of the model."""
    if device not in DEVICES:
        raise ConfigError(f"unknown device {device!r} (expected one of {', '.join(DEVICES)})")
    spec = model or config.model
    wanted, _ = resolve_model(spec)
    chosen = resolve_backend(config, wanted, backend, device)
    if chosen == BACKEND_TORCH:
        check_device(device)
        return TorchEmbedder(spec, threads=config.threads, device=device)
    if chosen != BACKEND_ONNX_INT8:  # pragma: no cover - settings and options validate it
        raise ConfigError(f"unknown embedding backend {chosen!r}")
    if device != "cpu":
        raise ConfigError(f"--device {device} runs the torch model: use it with --backend torch")
    embedder = OnnxEmbedder(config.onnx_dir, threads=config.threads)
    if embedder.source_model != wanted or not embedder.quantized:
        kind = "an int8" if embedder.quantized else "an unquantized"
        raise ConfigError(
            f"{config.onnx_dir} holds {kind} export of {embedder.source_model!r}, not an int8"
            f" export of {wanted!r}; {EXPORT_HINT}"
        )
    return embedder
