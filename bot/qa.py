"""The answering engine: question → hybrid search → scored sentences → verbatim, cited quotes.

One :class:`QA` object serves the CLI, the REPL and Discord; rendering is separate
(``bot.render``), and so are sentence segmentation (``bot.sentences``) and the scoring features
(``bot.features``). Every quote is ``article_text[start:end]`` of a stored article.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answer import Answer, Quote, Source
from bot.errors import InvalidQuestion
from bot.features import answer_type_score, coverage, entities, entity_lists, question_kind
from bot.followup import standalone
from bot.sentences import Sentence, split_sentences
from index import (
    DEFAULT_CHUNKING,
    LRU,
    ChunkSettings,
    Embedder,
    Filters,
    Hit,
    IndexStore,
    Searcher,
    tokenize,
)

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
DEFAULT_K = 8
MAX_QUOTES = 4
EMBED_CANDIDATES = 16  # sentences embedded per question, after a cheap lexical pre-ranking
MIN_SENTENCE_CHARS = 25
MAX_QUOTE_CHARS = 1200  # longer "sentences" (unpunctuated runs) are not quotable whole
LEAD_CHARS = 180
# Sentence score = cosine + W_COVERAGE * question-word coverage + W_TYPE * answer-type evidence.
W_COVERAGE = 0.20
W_TYPE = 0.20
# Calibrated with `geoqa eval calibrate` on tests/qa_calibration.json: 45 of 48 right at 0.75.
THRESHOLD = 0.75
KEEP_RATIO = 0.75  # further quotes must score at least this share of the best one
SENTENCE_CACHE = 20_000


@dataclass(frozen=True)
class _Asked:
    """What the quote picker needs to know about a question, worked out once."""

    text: str
    kind: str  # see bot.features.question_kind
    words: frozenset[str]  # lowercased words, for telling new names from the question's own
    terms: frozenset[str]  # stemmed content words, for coverage

    @classmethod
    def of(cls, question: str) -> _Asked:
        words = frozenset(w.lower() for w in re.findall(r"\w+", question))
        return cls(question, question_kind(question), words, frozenset(tokenize(question)))


@dataclass
class _Candidate:
    sentence: Sentence
    rank: int  # rank of the best retrieved chunk containing it
    coverage: float = 0.0
    kind_score: float = 0.0
    cosine: float = 0.0
    vector: np.ndarray | None = None

    @property
    def cheap(self) -> float:
        return self.coverage + 0.5 * self.kind_score + 0.5 / (1 + self.rank)

    @property
    def score(self) -> float:
        return self.cosine + W_COVERAGE * self.coverage + W_TYPE * self.kind_score


def clean_question(question: str) -> str:
    """Validate a question; whitespace is collapsed. Raises :class:`InvalidQuestion`."""
    if any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in question):
        raise InvalidQuestion("the question contains control characters; please retype it")
    text = " ".join(question.split())
    if not text:
        raise InvalidQuestion("the question is empty")
    if len(text) > MAX_QUESTION_CHARS:
        raise InvalidQuestion(
            f"the question is too long ({len(text)} characters; at most {MAX_QUESTION_CHARS})"
        )
    if not re.search(r"\w", text):
        raise InvalidQuestion("the question has no words")
    return text


class QA:
    """Answers questions from one loaded index with one embedding model."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        *,
        k: int = DEFAULT_K,
        threshold: float = THRESHOLD,
        sentence_vectors: LRU[str, np.ndarray] | None = None,
    ) -> None:
        """``sentence_vectors`` remembers sentence embeddings by text; pass one LRU to several
        engines over indexes of the same embedder to share it."""
        self.store = store
        self.embedder = embedder
        self.searcher = Searcher(store, embedder)
        self.k = k
        self.threshold = threshold
        self._vectors = sentence_vectors if sentence_vectors is not None else LRU(SENTENCE_CACHE)

    @classmethod
    def open(
        cls,
        index_dir: Path,
        embedder: Embedder,
        chunking: ChunkSettings = DEFAULT_CHUNKING,
        **kwargs,
    ) -> QA:
        """Load the live index, refusing one built with another model or chunking."""
        store = IndexStore.open(index_dir, embedder.model_id, chunking.as_dict())
        return cls(store, embedder, **kwargs)

    def ask(
        self,
        question: str,
        filters: Filters | None = None,
        k: int | None = None,
        context: Sequence[str] = (),
    ) -> Answer:
        """Answer ``question`` with verbatim quotes, or say the articles don't cover it.

        ``context`` is the conversation's earlier questions (oldest first): a follow-up that
        refers back is searched as :func:`bot.followup.standalone` makes it; the answer keeps
        the user's own words as its question."""
        question = clean_question(question)
        asked = standalone(question, context) if context else question
        hits = self.searcher.search(asked, k=k or self.k, filters=filters)
        answer = self.answer(asked, hits)
        return dataclasses.replace(answer, question=question) if asked != question else answer

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        """Pick quotes for a (validated) question from its retrieved chunks."""
        asked = _Asked.of(question)
        candidates = self._candidates(asked, hits)
        # A sentence can only answer if it holds the kind of thing asked for: a date for "when",
        # a number for "how many", a name for "who". Restating the topic is not an answer.
        eligible = [c for c in candidates if asked.kind == "other" or c.kind_score > 0]
        if not eligible:
            return self._not_found(question, hits)
        best = max(eligible, key=lambda c: c.score)
        log.debug("question %r: best sentence score %.3f", question, best.score)
        if best.score < self.threshold:
            return self._not_found(question, hits)
        return self._answer(asked, self._select(asked, best, candidates))

    def _candidates(self, asked: _Asked, hits: list[Hit]) -> list[_Candidate]:
        found: dict[tuple[str, int], _Candidate] = {}
        for rank, hit in enumerate(hits):
            text = self.store.text(hit.article_id)
            for sentence in split_sentences(hit.article_id, text, hit.start, hit.end):
                if sentence.is_heading or not (
                    MIN_SENTENCE_CHARS <= len(sentence.text) <= MAX_QUOTE_CHARS
                ):
                    continue
                key = (sentence.article_id, sentence.start)
                if key not in found:
                    found[key] = _Candidate(
                        sentence,
                        rank,
                        coverage(asked.terms, sentence.text),
                        answer_type_score(asked.kind, sentence.text, asked.words),
                    )
        ranked = sorted(found.values(), key=lambda c: -c.cheap)[:EMBED_CANDIDATES]
        if ranked:
            query = self.embedder.encode_query(asked.text)
            vectors = self._sentence_vectors([c.sentence.text for c in ranked])
            for candidate, vector in zip(ranked, vectors, strict=True):
                candidate.vector = vector
                candidate.cosine = float(vector @ query)
        return ranked

    def _sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings, each sentence embedded at most once per process."""
        found = self._vectors.get_many(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = dict(zip(missing, self.embedder.encode(missing), strict=True))
            found.update(fresh)
            self._vectors.put_many(fresh)
        return np.stack([found[t] for t in texts])

    def _select(
        self, asked: _Asked, first: _Candidate, candidates: list[_Candidate]
    ) -> list[_Candidate]:
        """``first``, then the next best sentences, diverse: each must add something new."""
        words = asked.words
        list_question = asked.kind == "list"
        best = first.score
        chosen = [first]
        names = set(entities(first.sentence.text, words))
        for cand in sorted(candidates, key=lambda c: -c.score):
            if cand is first:
                continue
            if len(chosen) == MAX_QUOTES:
                break
            if cand.score < KEEP_RATIO * best:
                continue
            similar = max(float(cand.vector @ c.vector) for c in chosen)
            new_names = set(entities(cand.sentence.text, words)) - names
            if similar > 0.9 or (list_question and not new_names and similar > 0.6):
                continue
            chosen.append(cand)
            names |= new_names
        return chosen

    def _answer(self, asked: _Asked, chosen: list[_Candidate]) -> Answer:
        spans = _merge_neighbours(chosen, self.store)
        sources: dict[str, Source] = {}
        quotes = []
        for article_id, start, end, score in spans:
            if article_id not in sources:
                sources[article_id] = self._source(len(sources) + 1, article_id)
            text = self.store.text(article_id)[start:end]
            quotes.append(Quote(sources[article_id].n, text, article_id, start, end, score))
        lead = _lead(asked, quotes)
        return Answer(asked.text, True, lead, quotes, list(sources.values()))

    def _not_found(self, question: str, hits: list[Hit]) -> Answer:
        closest: list[str] = list(dict.fromkeys(h.article_id for h in hits))[:3]
        sources = [self._source(i + 1, a) for i, a in enumerate(closest)]
        lead = "The indexed articles don't cover this question."
        if sources:
            lead += " The closest sources are listed below."
        return Answer(question, False, lead, [], sources)

    def _source(self, n: int, article_id: str) -> Source:
        info = self.store.by_id[article_id]
        return Source(n, article_id, info.title, info.source, info.url, info.published)


def _merge_neighbours(
    chosen: list[_Candidate], store: IndexStore
) -> list[tuple[str, int, int, float]]:
    """Join sentences that follow each other in the same paragraph into one span."""
    spans = sorted(
        ((c.sentence.article_id, c.sentence.start, c.sentence.end, c.score) for c in chosen),
    )
    merged: list[tuple[str, int, int, float]] = []
    for article_id, start, end, score in spans:
        if merged and merged[-1][0] == article_id:
            prev_id, prev_start, prev_end, prev_score = merged[-1]
            gap = store.text(article_id)[prev_end:start]
            short = end - prev_start <= MAX_QUOTE_CHARS
            if gap.strip() == "" and "\n" not in gap and short:
                merged[-1] = (article_id, prev_start, end, max(prev_score, score))
                continue
        merged.append((article_id, start, end, score))
    return sorted(merged, key=lambda s: -s[3])


def _lead(asked: _Asked, quotes: list[Quote]) -> str:
    """One line assembled only from the quotes' own words."""
    if asked.kind == "list":
        words = asked.words
        runs, seen = [], []
        for quote in quotes:
            for run in entity_lists(quote.text, words):
                names = frozenset(entities(run, words))
                if names not in seen:
                    seen.append(names)
                    runs.append(f"{run} [{quote.n}]")
        if runs:
            return "; ".join(runs[:2])
    top = quotes[0]
    return f"{_clip(top.text, LEAD_CHARS)} [{top.n}]"


def _clip(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, marked with "…"."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:–—-")
    return f"{cut}…"
