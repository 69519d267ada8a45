"""The default embedder: an int8 ONNX export of the packaged model (see
:mod:`index.embedders.onnx_export`), run with onnxruntime and the ``tokenizers`` library alone
(mean pooling over the attention mask, L2 normalization), so building an index and answering
questions never import torch.

The vectors are close to, not equal to, the torch model's; the ONNX model id is therefore distinct
(``…+onnx-int8``), so embedding caches and index manifests never mix the two.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from index.embedders.models import QUERY_CACHE_SIZE
from index.embedders.wordpieces import WordPieces
from index.errors import ConfigError
from index.util import LRU

log = logging.getLogger(__name__)

META_FILE = "geoqa-onnx.json"
MODEL_FILE = "model.onnx"
INSTALL_HINT = "pip install geoqa[onnx]"
EXPORT_HINT = "run `geoqa index export-onnx`"


def require(module: str, package: str) -> None:
    """A :class:`ConfigError` saying how to install ``package`` unless ``module`` imports."""
    if importlib.util.find_spec(module) is None:
        raise ConfigError(f"{package} is not installed; {INSTALL_HINT}")


def onnx_model_id(source_id: str, quantized: bool) -> str:
    """The model id recorded for an export of ``source_id`` (never equal to the torch one)."""
    return f"{source_id}+onnx-{'int8' if quantized else 'fp32'}"


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
    """An exported model run by onnxruntime on the CPU: an
    :class:`~index.embedders.protocol.Embedder` (normalized float32 vectors) without torch."""

    def __init__(self, folder: str | Path, *, threads: int = 0) -> None:
        require("onnxruntime", "onnxruntime")
        self.folder = Path(folder)
        self.meta = read_export(self.folder)
        self.model_id: str = self.meta["model_id"]
        self._workers = threads if threads > 0 else os.cpu_count() or 1
        self._session = None
        self._encoder = None
        self._tokenizer = None
        self._lock = threading.RLock()
        self._queries: LRU[str, np.ndarray] = LRU(QUERY_CACHE_SIZE)

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
        options.intra_op_num_threads = 1  # texts run in parallel instead (see encode)
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
    def tokenizer(self) -> WordPieces:
        """The export's ``tokenizer.json``, called like a Hugging Face tokenizer (chunk sizes are
        measured with it); read by the ``tokenizers`` library, so building never imports torch."""
        with self._lock:
            if self._tokenizer is None:
                self._tokenizer = WordPieces(self.folder / "tokenizer.json")
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
        Several texts are run side by side, one thread per core (``GEOQA_THREADS``), each run on
        one core: on 2 cores that embeds 1.7 times as many chunks a second as one run on both.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        session, encoder = self._loaded()
        encoded = encoder.encode_batch(list(texts))

        def run(rows: range) -> None:
            for row in rows:
                ids = np.array([encoded[row].ids], dtype=np.int64)
                mask = np.ones_like(ids)
                (tokens,) = session.run(None, {"input_ids": ids, "attention_mask": mask})
                out[row] = _mean_pool_normalized(tokens, mask)[0]

        workers = min(self._workers, len(texts))
        if workers == 1:
            run(range(len(texts)))
            return out
        with ThreadPoolExecutor(workers, thread_name_prefix="onnx") as pool:
            list(pool.map(run, [range(i, len(texts), workers) for i in range(workers)]))
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
