"""The embedder a configuration asks for (``GEOQA_EMBED_BACKEND``): the torch model or the
ONNX int8 export."""

from __future__ import annotations

from index.embedders.models import resolve_model
from index.embedders.onnx_model import EXPORT_HINT, OnnxEmbedder
from index.embedders.protocol import Embedder
from index.embedders.torch_model import TorchEmbedder
from index.errors import ConfigError
from index.settings import BACKEND_ONNX_INT8, BACKEND_TORCH, IndexConfig


def make_embedder(config: IndexConfig, model: str | None = None) -> Embedder:
    """The embedder the configuration asks for: the torch model (``GEOQA_EMBED_BACKEND=torch``)
    or the ONNX int8 export in ``GEOQA_ONNX_DIR`` (``onnx-int8``), checked to be an int8 export
    of the configured model. ``model`` overrides ``GEOQA_EMBED_MODEL``."""
    spec = model or config.model
    if config.embed_backend == BACKEND_TORCH:
        return TorchEmbedder(spec, threads=config.threads)
    if config.embed_backend != BACKEND_ONNX_INT8:  # pragma: no cover - settings validate it
        raise ConfigError(f"unknown embedding backend {config.embed_backend!r}")
    embedder = OnnxEmbedder(config.onnx_dir, threads=config.threads)
    wanted, _ = resolve_model(spec)
    if embedder.source_model != wanted or not embedder.quantized:
        kind = "an int8" if embedder.quantized else "an unquantized"
        raise ConfigError(
            f"{config.onnx_dir} holds {kind} export of {embedder.source_model!r}, not an int8"
            f" export of {wanted!r}; {EXPORT_HINT}"
        )
    return embedder
