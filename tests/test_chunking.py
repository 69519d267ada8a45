"""Chunks: exact offsets and sizes the model reads whole."""

from __future__ import annotations

from index.articles import Article, load_corpus
from index.chunking import Chunker, ChunkSettings, embedding_text


def test_every_chunk_of_the_corpus_is_an_exact_span_of_its_article(corpus_dir, embedder):
    chunker = Chunker(embedder.tokenizer)
    for article in load_corpus(corpus_dir).articles:
        chunks = chunker.split(article)
        assert chunks, article.id
        for chunk in chunks:
            assert article.text[chunk.start : chunk.end] == chunk.text
        assert chunks[0].start == 0 and chunks[-1].end == len(article.text.rstrip())


def test_no_chunk_is_truncated_by_the_model(corpus_dir, embedder):
    chunker = Chunker(embedder.tokenizer)
    for article in load_corpus(corpus_dir).articles:
        for chunk in chunker.split(article):
            tokens = embedder.count_tokens(embedding_text(article.title, chunk.text))
            assert tokens <= embedder.max_tokens, (article.id, chunk.ordinal, tokens)


def test_a_long_paragraph_is_cut_into_overlapping_chunks_at_sentence_ends(embedder):
    sentences = [
        f"Delegation {i} from the Meridian Council met regulators in Lisbon." for i in range(40)
    ]
    article = Article(id="long", title="Long", text=" ".join(sentences))
    chunker = Chunker(embedder.tokenizer, ChunkSettings(chunk_tokens=60, overlap_tokens=15))
    chunks = chunker.split(article)
    assert len(chunks) > 5
    assert all(b.start < a.end for a, b in zip(chunks, chunks[1:], strict=False))
    assert all(c.text.endswith("Lisbon.") for c in chunks)
    assert all(article.text[c.start : c.end] == c.text for c in chunks)
