"""An optional ONNX Runtime embedding backend: the packaged model exported once, int8-quantized.

``export_onnx`` turns a local sentence-transformers folder (by default the packaged
all-MiniLM-L6-v2) into ``model.onnx`` (the transformer's token embeddings; dynamic batch and
sequence axes) plus its tokenizer files and ``geoqa-onnx.json``. The export needs torch and
``onnx``; it runs offline. :class:`OnnxEmbedder` then embeds with onnxruntime and the
``tokenizers`` library alone (mean pooling over the attention mask, L2 normalization), so
answering questions never imports torch.

The vectors are close to, not equal to, the torch model's; the ONNX model id is therefore distinct
(``…+onnx-int8``), so embedding caches and index manifests never mix the two.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedding import DEFAULT_MODEL, Embedder, RecentQueries, resolve_model
from index.errors import ConfigError
from index.settings import BACKEND_ONNX_INT8, BACKEND_TORCH, IndexConfig

log = logging.getLogger(__name__)

META_FILE = "geoqa-onnx.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "vocab.txt",
    "config.json",
)
OPSET = 17
INSTALL_HINT = "pip install geoqa[onnx]"
EXPORT_HINT = "run `geoqa index export-onnx`"
INPUT_NAMES = ("input_ids", "attention_mask")


def _require(module: str, package: str) -> None:
    if importlib.util.find_spec(module) is None:
        raise ConfigError(f"{package} is not installed; {INSTALL_HINT}")


def onnx_model_id(source_id: str, quantized: bool) -> str:
    """The model id recorded for an export of ``source_id`` (never equal to the torch one)."""
    return f"{source_id}+onnx-{'int8' if quantized else 'fp32'}"


# ------------------------------------------------------------------------------------- export


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


def export_onnx(
    out_dir: str | Path, quantize: bool = True, model: str = DEFAULT_MODEL
) -> ExportReport:
    """Export ``model`` (the packaged all-MiniLM-L6-v2 or a local sentence-transformers folder)
    to ONNX in ``out_dir``, int8-quantized (dynamic, per channel) unless ``quantize`` is False.

    The folder is written beside ``out_dir`` and swapped in when complete, replacing an older
    export. Offline: nothing is downloaded.
    """
    _require("onnxruntime", "onnxruntime")
    _require("onnx", "onnx")
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
            "model_id": onnx_model_id(source_id, quantize),
            "source_model": source_id,
            "pooling": "mean",
            "normalize": True,
            "quantization": "int8-dynamic-per-channel" if quantize else None,
            "max_tokens": max_tokens,
            "dim": _output_dim(work / MODEL_FILE),
            "opset": OPSET,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "versions": _versions(),
        }
        (work / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        _swap_in(work, out)
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


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {}
    for name in ("torch", "transformers", "onnx", "onnxruntime"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "unknown"
    return found


def _swap_in(work: Path, out: Path) -> None:
    """Make ``work`` the folder ``out``, replacing an older export only once the new is whole."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{time.time_ns()}")
        out.rename(old)
    work.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------------------------- embedder


def read_export(folder: str | Path) -> dict:
    """The ``geoqa-onnx.json`` of an export folder; :class:`ConfigError` when there is none."""
    folder = Path(folder)
    meta_path = folder / META_FILE
    if not meta_path.is_file() or not (folder / MODEL_FILE).is_file():
        raise ConfigError(f"no ONNX export in {folder}; {EXPORT_HINT}")
    try:
        return json.loads(meta_path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{meta_path} is damaged ({exc}); {EXPORT_HINT}") from None


class OnnxEmbedder:
    """An exported model run by onnxruntime on the CPU; the same interface as
    :class:`~index.embedding.Embedder` (normalized float32 vectors), without torch."""

    def __init__(self, folder: str | Path, *, threads: int = 0) -> None:
        _require("onnxruntime", "onnxruntime")
        self.folder = Path(folder)
        self.meta = read_export(self.folder)
        self.model_id: str = self.meta["model_id"]
        self._threads = threads
        self._session = None
        self._encoder = None
        self._tokenizer = None
        self._lock = threading.RLock()
        self._queries = RecentQueries()

    @property
    def source_model(self) -> str:
        """The id of the model this export was made from."""
        return self.meta["source_model"]

    @property
    def quantized(self) -> bool:
        """Whether the weights are int8."""
        return bool(self.meta.get("quantization"))

    def load(self) -> None:
        """Open the ONNX session and the tokenizer now (otherwise done on first use)."""
        self._loaded()

    def _loaded(self):
        with self._lock:
            if self._session is None:
                self._session, self._encoder = self._load()
            return self._session, self._encoder

    def _load(self):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        log.info("loading ONNX embedding model %s from %s", self.model_id, self.folder)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = max(self._threads, 0)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            session = ort.InferenceSession(
                str(self.folder / MODEL_FILE), options, providers=["CPUExecutionProvider"]
            )
            encoder = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
        except Exception as exc:  # noqa: BLE001 - any load failure becomes one line
            raise ConfigError(f"cannot load the ONNX export in {self.folder}: {exc}") from None
        encoder.enable_truncation(max_length=self.max_tokens)
        encoder.no_padding()  # one text per run (see encode); tokenizer.json pads to 128
        return session, encoder

    @property
    def tokenizer(self):
        """A Hugging Face tokenizer of the same files (chunk sizes are measured with it)."""
        with self._lock:
            if self._tokenizer is None:
                from transformers import AutoTokenizer

                self._tokenizer = AutoTokenizer.from_pretrained(str(self.folder))
            return self._tokenizer

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return int(self.meta["dim"])

    @property
    def max_tokens(self) -> int:
        """The longest input the model reads, in word pieces (special tokens included)."""
        return int(self.meta["max_tokens"])

    def count_tokens(self, text: str) -> int:
        """Word pieces in ``text`` including the special tokens the model adds."""
        return len(self.tokenizer(text, add_special_tokens=True)["input_ids"])

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts as normalized float32 rows, in input order.

        Each text is run on its own, unpadded: dynamic quantization scales the activations of a
        whole run at once, so in a batch a text's vector would depend on its batch-mates (cosine
        0.985 to itself alone, on 2 cores no faster than single runs). This way a text always gets
        the same vector, whether it is a query or a chunk, embedded today or at the next build.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        session, encoder = self._loaded()
        for row, encoded in enumerate(encoder.encode_batch(list(texts))):
            ids = np.array([encoded.ids], dtype=np.int64)
            mask = np.ones_like(ids)
            (tokens,) = session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[row] = _mean_pool_normalized(tokens, mask)[0]
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one question; recent questions are remembered, never embedded twice."""
        return self._queries.get(text, lambda: self.encode([text])[0])


def _mean_pool_normalized(tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the token embeddings over the attention mask, scaled to unit length."""
    weights = mask.astype(np.float32)[:, :, None]
    summed = (tokens * weights).sum(axis=1)
    pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


# ------------------------------------------------------------------------------------- factory


def make_embedder(config: IndexConfig, model: str | None = None) -> Embedder | OnnxEmbedder:
    """The embedder the configuration asks for: the torch model (``GEOQA_EMBED_BACKEND=torch``)
    or the ONNX int8 export in ``GEOQA_ONNX_DIR`` (``onnx-int8``), checked to be an int8 export
    of the configured model. ``model`` overrides ``GEOQA_EMBED_MODEL``."""
    spec = model or config.model
    if config.embed_backend == BACKEND_TORCH:
        return Embedder(spec, threads=config.threads)
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
