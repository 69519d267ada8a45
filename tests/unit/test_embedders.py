"""The embedder protocol: every implementation provides it; the cache embeds each text once."""

from __future__ import annotations

import numpy as np

from index.embedders.cache import EmbeddingCache, embed_cached
from index.embedders.onnx_model import OnnxEmbedder
from index.embedders.protocol import Embedder
from index.embedders.torch_model import TorchEmbedder
from tests.support.fake_embedder import FakeEmbedder

MEMBERS = ("model_id", "dim", "tokenizer", "max_tokens", "count_tokens", "encode", "encode_query")


def test_every_implementation_provides_the_protocol():
    # Checked on the classes: an instance check would load the real models.
    for implementation in (TorchEmbedder, OnnxEmbedder, FakeEmbedder):
        for member in MEMBERS:
            assert member in dir(implementation) or member == "model_id", (implementation, member)
    assert isinstance(FakeEmbedder(), Embedder)
    assert TorchEmbedder().model_id == "sentence-transformers/all-MiniLM-L6-v2"  # not loaded


def test_the_fake_embedder_is_deterministic_and_normalized(fake_embedder):
    vectors = fake_embedder.encode(["chip export rules", "chip export rules", "", "Lisbon"])
    assert vectors.dtype == np.float32 and vectors.shape == (4, fake_embedder.dim)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.array_equal(vectors[0], vectors[1])
    assert np.array_equal(fake_embedder.encode_query("Lisbon"), vectors[3])
    assert fake_embedder.count_tokens("two words") == 4  # with the two special tokens


class Counting(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def encode(self, texts):
        self.texts.extend(texts)
        return super().encode(texts)


def test_the_cache_embeds_each_distinct_text_once_across_calls(tmp_path):
    embedder = Counting()
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    try:
        first = embed_cached(embedder, cache, ["a b", "c d", "a b"])
        second = embed_cached(embedder, cache, ["c d", "e f"])
    finally:
        cache.close()
    assert (first.embedded, first.reused, second.embedded, second.reused) == (2, 1, 1, 1)
    assert sorted(embedder.texts) == ["a b", "c d", "e f"]
    assert np.array_equal(first.vectors[1], second.vectors[0])
