"""Chunks: exact offsets, overlaps and sentence ends (measured with the fake embedder's words;
sizes in the real model's word pieces are checked in the integration tests)."""

from __future__ import annotations

from index.articles.model import Article
from index.articles.readers import load_corpus
from index.build.chunking import Chunker, ChunkSettings


def test_every_chunk_of_the_corpus_is_an_exact_span_of_its_article(corpus_dir, fake_embedder):
    chunker = Chunker(fake_embedder.tokenizer)
    for article in load_corpus(corpus_dir).articles:
        chunks = chunker.split(article)
        assert chunks, article.id
        for chunk in chunks:
            assert article.text[chunk.start : chunk.end] == chunk.text
        assert chunks[0].start == 0 and chunks[-1].end == len(article.text.rstrip())
        assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_a_long_paragraph_is_cut_into_overlapping_chunks_at_sentence_ends(fake_embedder):
    sentences = [
        f"Delegation {i} from the Meridian Council met regulators in Lisbon." for i in range(40)
    ]
    article = Article(id="long", title="Long", text=" ".join(sentences))
    chunker = Chunker(fake_embedder.tokenizer, ChunkSettings(chunk_tokens=60, overlap_tokens=15))
    chunks = chunker.split(article)
    assert len(chunks) > 5
    assert all(b.start < a.end for a, b in zip(chunks, chunks[1:], strict=False))
    assert all(c.text.endswith("Lisbon.") for c in chunks)
    assert all(article.text[c.start : c.end] == c.text for c in chunks)
    assert all(fake_embedder.count_tokens(c.text) - 2 <= 60 for c in chunks)
