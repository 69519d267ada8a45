"""The answering engine: question → hybrid search → sentences in context → evidence → verbatim,
cited quotes, or an honest refusal that says why.

One :class:`QA` object serves the CLI, the REPL and Discord; rendering is separate
(``bot.render``). Every quote is ``article_text[start:end]`` of a stored article.

A question is refused before anything is searched when one of its names (or numbers) is in no
indexed article ("No indexed article mentions Japan"). Otherwise the sentences of the retrieved
chunks are scored in their context (the article's title, the heading above, the sentences
around), and the best one that holds the kind of answer asked for is quoted when its score
(``bot.scoring``) reaches the fitted threshold; when none does, the answer says whether the
articles are on topic but don't say it, or don't cover the question at all.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.answer import NO_ARTICLES, NOT_ANSWERED, NOT_COVERED, NOT_MENTIONED, Answer, Quote, Source
from bot.errors import InvalidQuestion
from bot.features import STAND_IN, Question, analyse, answer_evidence, entities, name_present
from bot.followup import standalone
from bot.lead import lead_line
from bot.scoring import MODEL, AnswerModel, Evidence
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
MORE_QUOTES = 4  # further quotes kept for "show more"
EMBED_CANDIDATES = 16  # sentences embedded per question, after a cheap lexical pre-ranking
MIN_SENTENCE_CHARS = 20
MAX_QUOTE_CHARS = 1200  # longer "sentences" (unpunctuated runs) are not quotable whole
CONTEXT_BEFORE = 2  # sentences before a candidate that its context includes
KEEP_MARGIN = 0.5  # further quotes may score this much below the threshold
SIMILAR = 0.9  # a further quote this similar to a chosen one adds nothing
ON_TOPIC = 0.5  # context coverage of the best candidate above which "on topic, not answered"
SENTENCE_CACHE = 20_000
ARTICLE_CACHE = 256
# A sentence opening with a reference to something named before it is quoted with the sentence
# before it (when that is in the same paragraph), so the quote makes sense alone.
ANAPHOR = re.compile(
    r"^(?:It|Its|They|Their|This|These|That|Those|He|His|She|Her|The (?:group|pact|alliance|"
    r"accord|agency|body|bloc|deal|committee|company|move|plan|law|rules|network|partnership))\b"
)


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


@dataclass
class Candidate:
    """A sentence that may answer, with its context and evidence."""

    sentence: Sentence
    position: int  # index in its article's sentence list
    rank: int  # rank of the best retrieved chunk containing it
    coverage: float
    context_coverage: float
    focus: float
    unknown: float
    names: float
    context_names: float
    kind: float
    subject: bool = True  # the question's first name is in the sentence itself
    in_article: bool = True  # the question's names (most of three or more) are in its article
    cosine: float = 0.0
    relation: float = 0.0  # cosine of the question without its names to the sentence
    vector: np.ndarray | None = None
    score: float = 0.0  # the ranking model's score, comparable within one question

    @property
    def cheap(self) -> float:
        """A pre-ranking score from the features that need no embedding."""
        return (
            self.coverage
            + 0.5 * self.context_coverage
            + 0.5 * self.names
            + 0.5 * self.kind
            + 0.5 / (1 + self.rank)
        )

    def evidence(self) -> Evidence:
        """The features the scoring model reads."""
        return Evidence(
            cosine=self.cosine,
            relation=self.relation,
            coverage=self.coverage,
            context_coverage=self.context_coverage,
            focus=self.focus,
            unknown=self.unknown,
            names=self.names,
            context_names=self.context_names,
            kind=self.kind,
            rank=1.0 / (1 + self.rank),
        )


@dataclass
class Examined:
    """A question worked out and searched: its candidates, or why there are none."""

    question: Question
    hits: list[Hit]
    candidates: list[Candidate]
    missing: str | None = None  # a name or number of the question that no article holds
    no_articles: bool = False  # the filters leave no article
    said: str = ""  # the question in the user's words (a follow-up is examined standalone)
    filtered: bool = False  # filters restricted the articles searched

    def eligible(self) -> list[Candidate]:
        """The candidates that can answer this kind of question."""
        return [c for c in self.candidates if _eligible(self.question, c)]

    def on_topic(self) -> bool:
        """Whether some candidate is about the question's names and most of its terms."""
        return any(
            c.context_names == 1.0 and c.context_coverage >= ON_TOPIC for c in self.candidates
        )


@dataclass(frozen=True)
class ArticleView:
    """An article's sentences with the terms of each, for reading a sentence in context."""

    title_terms: frozenset[str]
    sentences: list[Sentence]
    terms: list[frozenset[str]]  # of each sentence
    all_terms: frozenset[str]  # of the title and every sentence

    @classmethod
    def of(
        cls, title: str, article_id: str, text: str, published: str | None = None
    ) -> ArticleView:
        """Split and tokenize an article once; its title's terms include the year it was
        published (an article of 2021 is about 2021 without saying so)."""
        sentences = split_sentences(article_id, text)
        terms = [frozenset(tokenize(s.text)) for s in sentences]
        title_terms = frozenset(tokenize(title)) | ({published[:4]} if published else set())
        return cls(title_terms, sentences, terms, title_terms.union(*terms))

    def before(self, i: int) -> frozenset[str]:
        """What sentence ``i`` is read after: the title, the first sentence, the heading above
        and the two sentences before it."""
        prose = [j for j in range(i) if not self.sentences[j].is_heading]
        heading = next((j for j in range(i - 1, -1, -1) if self.sentences[j].is_heading), None)
        picked = set(prose[:1] + prose[-CONTEXT_BEFORE:])
        if heading is not None:
            picked.add(heading)
        return self.title_terms.union(*(self.terms[j] for j in picked))

    def after(self, i: int) -> frozenset[str]:
        """The terms of the sentence after ``i`` (none after a heading or the end)."""
        if i + 1 < len(self.sentences) and not self.sentences[i + 1].is_heading:
            return self.terms[i + 1]
        return frozenset()

    def neighbours(self, i: int) -> frozenset[str]:
        """The terms of the sentences right before and after ``i``."""
        before = (
            self.terms[i - 1] if i > 0 and not self.sentences[i - 1].is_heading else frozenset()
        )
        return before | self.after(i)


class _Terms:
    """A question's terms weighted by rarity in the index, and its salient names and numbers."""

    def __init__(self, question: Question, store: IndexStore) -> None:
        lexical = store.lexical
        n = max(lexical.num_docs, 1)
        # Terms no article holds (a synonym, or something the articles never discuss) are left
        # to the embedding; ``unknown`` says how much of the question they are, weighing each as
        # much as the rarest term there is.
        frequency = {t: lexical.document_frequency(t) for t in question.terms}
        self.frequency = frequency  # chunks holding each term
        idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in frequency.items()}
        self.weights = {t: w for t, w in idf.items() if frequency[t]}
        rarest = math.log(1 + (n - 0.5) / 1.5)
        unknown = sum(rarest for t in question.terms if not frequency[t])
        self.total = sum(self.weights.values())
        self.unknown = unknown / (unknown + self.total) if unknown else 0.0
        in_names = question.name_term_set
        self.focus_weights = {t: w for t, w in self.weights.items() if t not in in_names}
        self.focus_total = sum(self.focus_weights.values())
        numbers = [(t,) for t in question.terms if t[:1].isdigit()]
        self.entity_names = list(question.name_terms)
        self.salient: list[tuple[str, ...]] = self.entity_names + numbers
        self.subject = question.name_terms[0] if question.name_terms else ()

    def coverage(self, terms: set[str]) -> float:
        """Rarity-weighted share of the question's known terms found in ``terms``."""
        if not self.total:
            return 0.0
        return sum(w for t, w in self.weights.items() if t in terms) / self.total

    def focus(self, terms: set[str]) -> float:
        """Rarity-weighted share of the known terms outside the question's names (what is asked
        about them: "chairs", "open", "join") found in ``terms``; 1.0 when there are none."""
        if not self.focus_total:
            return 1.0
        return sum(w for t, w in self.focus_weights.items() if t in terms) / self.focus_total

    def has_subject(self, terms: set[str]) -> bool:
        """Whether the question's first name (its subject, in a yes/no question) is in ``terms``."""
        return name_present(self.subject, terms)

    def names_in(self, terms: frozenset[str]) -> bool:
        """Whether the question's names (numbers aside) are in ``terms``: all of one or two,
        most of three or more."""
        found = sum(name_present(name, terms) for name in self.entity_names)
        if len(self.entity_names) > 2:
            return 2 * found >= len(self.entity_names)
        return found == len(self.entity_names)

    def names(self, terms: set[str]) -> float:
        """Share of the question's names and numbers whose terms are all in ``terms`` (1.0 when
        the question has none)."""
        if not self.salient:
            return 1.0
        return sum(name_present(name, terms) for name in self.salient) / len(self.salient)


class QA:
    """Answers questions from one loaded index with one embedding model."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder,
        *,
        k: int = DEFAULT_K,
        model: AnswerModel = MODEL,
        sentence_vectors: LRU[str, np.ndarray] | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.searcher = Searcher(store, embedder)
        self.k = k
        self.model = model
        # Sentence vectors are keyed by text, so one memory may serve several indexes.
        self._vectors = sentence_vectors if sentence_vectors is not None else LRU(SENTENCE_CACHE)
        self._articles: LRU[str, ArticleView] = LRU(ARTICLE_CACHE)

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
        """Answer ``question`` with verbatim quotes, or say why the articles don't answer it.

        ``context`` is the conversation's earlier questions (oldest first): a follow-up that
        refers back is asked as :func:`bot.followup.standalone` makes it; the answer keeps the
        user's own words as its question."""
        return self.decide(self.examine(question, filters, k, context))

    def examine(
        self,
        question: str,
        filters: Filters | None = None,
        k: int | None = None,
        context: Sequence[str] = (),
    ) -> Examined:
        """Validate ``question``, search, and gather the scored candidate sentences."""
        said = clean_question(question)
        asked = analyse(standalone(said, context) if context else said)
        allowed = self.searcher.allowed_rows(filters)
        if allowed is not None and not allowed.any():
            return Examined(asked, [], [], no_articles=True, said=said)
        hits = self.searcher.search(asked.text, k=k or self.k, filters=filters)
        terms = _Terms(asked, self.store)
        missing = self._unmentioned(asked, allowed, terms.frequency)
        if missing:
            filtered = allowed is not None
            return Examined(asked, hits, [], missing=missing, said=said, filtered=filtered)
        candidates = self._candidates(asked, terms, hits)
        return Examined(asked, hits, candidates, said=said)

    def decide(self, examined: Examined) -> Answer:
        """Quote the likeliest eligible sentences, or refuse, saying why; the answer's question
        is the user's own words."""
        answer = self._decide(examined)
        if examined.said and examined.said != answer.question:
            return dataclasses.replace(answer, question=examined.said)
        return answer

    def _decide(self, examined: Examined) -> Answer:
        asked, hits = examined.question, examined.hits
        if examined.no_articles:
            lead = "No indexed article matches these filters."
            return Answer(asked.text, False, lead, kind=asked.kind, reason=NO_ARTICLES)
        if examined.missing:
            within = " matching these filters" if examined.filtered else ""
            lead = f"No indexed article{within} mentions {examined.missing}."
            return self._refusal(asked, hits, lead, NOT_MENTIONED)
        eligible = examined.eligible()
        best = max(eligible, key=lambda c: c.score, default=None)
        if best is not None and self.model.answers(best.evidence()):
            return self._found(asked, *self._select(asked, best, eligible))
        log.debug("%r: best %.3f", asked.text, best.score if best else 0.0)
        if examined.on_topic():
            lead = "The indexed articles touch on this, but none of them says it."
            return self._refusal(asked, hits, lead, NOT_ANSWERED)
        lead = "The indexed articles don't cover this question."
        return self._refusal(asked, hits, lead, NOT_COVERED)

    # ------------------------------------------------------------------------ evidence

    def _unmentioned(
        self, asked: Question, allowed: np.ndarray | None, frequency: dict[str, int]
    ) -> str | None:
        """The first name or number of the question that no (allowed) chunk holds;
        ``frequency`` gives the chunks holding each of the question's terms."""
        salient = list(zip(asked.names, asked.name_terms, strict=True))
        salient += [(t, (t,)) for t in asked.terms if t[:1].isdigit()]
        for name, name_terms in salient:
            if not self._mentioned(name_terms, allowed, frequency):
                return name
        return None

    def _mentioned(
        self, name_terms: tuple[str, ...], allowed: np.ndarray | None, known_df: dict[str, int]
    ) -> bool:
        """Whether some (allowed) chunk holds the name. Term statistics first, then the chunks
        holding the name's rarest term, read until one holds the rest (a store such as Qdrant
        answers a term's rows by a query, so common terms are never listed)."""
        lexical = self.store.lexical
        frequency = {
            t: known_df[t] if t in known_df else lexical.document_frequency(t) for t in name_terms
        }
        known = {t for t, df in frequency.items() if df}
        if not name_present(name_terms, known):
            return False
        if allowed is None and len(name_terms) == 1:
            return True
        if len(name_terms) > 2:  # two thirds of a long name: any of its terms may be missing
            rows: dict[int, set[str]] = {}
            for term in known:
                for row in lexical.rows_with(term).tolist():
                    rows.setdefault(row, set()).add(term)
            candidates = [r for r, found in rows.items() if name_present(name_terms, found)]
        else:  # every term is needed, the rarest among them
            candidates = lexical.rows_with(min(known, key=frequency.get)).tolist()
        read = len(name_terms) == 2  # the rarest term's chunk must also hold the other one
        for row in candidates:
            if allowed is not None and not allowed[row]:
                continue
            if not read or name_present(name_terms, set(tokenize(self._chunk_text(row)))):
                return True
        return False

    def _chunk_text(self, row: int) -> str:
        """A chunk as the lexical index read it: its article's title, then its text."""
        ref = self.store.chunk(row)
        title = self.store.by_id[ref.article_id].title
        return f"{title}\n{self.store.text(ref.article_id)[ref.start : ref.end]}"

    def _article(self, article_id: str) -> ArticleView:
        """An article's sentences and terms, worked out once per process."""

        def view() -> ArticleView:
            info = self.store.by_id[article_id]
            text = self.store.text(article_id)
            return ArticleView.of(info.title, article_id, text, info.published)

        return self._articles.get(article_id, view)

    def _candidates(self, asked: Question, terms: _Terms, hits: list[Hit]) -> list[Candidate]:
        found: dict[tuple[str, int], Candidate] = {}
        names_in: dict[str, bool] = {}  # per article: the same for all its sentences
        for rank, hit in enumerate(hits):
            article = self._article(hit.article_id)
            if hit.article_id not in names_in:
                names_in[hit.article_id] = terms.names_in(article.all_terms)
            for i, sentence in enumerate(article.sentences):
                if sentence.end <= hit.start or sentence.start >= hit.end:
                    continue
                if sentence.is_heading or not (
                    MIN_SENTENCE_CHARS <= len(sentence.text) <= MAX_QUOTE_CHARS
                ):
                    continue
                key = (sentence.article_id, sentence.start)
                if key in found:
                    continue
                own, before = article.terms[i], article.before(i)
                around = own | before | article.after(i)
                kind = answer_evidence(asked, sentence.text)
                if asked.kind == "speech" and kind == STAND_IN:
                    kind = 1.0 if all(t in before for t in asked.speaker) else 0.0
                found[key] = Candidate(
                    sentence,
                    i,
                    rank,
                    coverage=terms.coverage(own),
                    context_coverage=terms.coverage(around),
                    focus=terms.focus(own | article.neighbours(i)),
                    unknown=terms.unknown,
                    names=terms.names(own),
                    context_names=terms.names(around),
                    kind=kind,
                    subject=terms.has_subject(own),
                    in_article=names_in[hit.article_id],
                )
        ranked = sorted(found.values(), key=lambda c: -c.cheap)[:EMBED_CANDIDATES]
        if ranked:
            query = self.embedder.encode_query(asked.text)
            rest = asked.without_names()
            relation = self.embedder.encode_query(rest) if rest != asked.text else query
            vectors = self._sentence_vectors([c.sentence.text for c in ranked])
            for candidate, vector in zip(ranked, vectors, strict=True):
                candidate.vector = vector
                candidate.cosine = float(vector @ query)
                candidate.relation = float(vector @ relation)
                self.model_score(candidate)
        return ranked

    def model_score(self, candidate: Candidate) -> None:
        """Set an (embedded) candidate's ranking score."""
        candidate.score = self.model.score(candidate.evidence())

    def _sentence_vectors(self, texts: list[str]) -> np.ndarray:
        """Sentence embeddings, each sentence embedded at most once per process."""
        found = self._vectors.get_many(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:
            fresh = dict(zip(missing, self.embedder.encode(missing), strict=True))
            self._vectors.put_many(fresh)
            found.update(fresh)
        return np.stack([found[t] for t in texts])

    # ------------------------------------------------------------------------ the answer

    def _select(
        self, asked: Question, first: Candidate, candidates: list[Candidate]
    ) -> tuple[list[Candidate], list[Candidate]]:
        """``first``, then the next best sentences that add something new (for a list, new
        names from any article; otherwise a different statement): up to :data:`MAX_QUOTES` to
        show, then up to :data:`MORE_QUOTES` more for "show more"."""
        chosen = [first]
        names = set(entities(first.sentence.text, asked.words))
        for cand in sorted(candidates, key=lambda c: -c.score):
            if len(chosen) == MAX_QUOTES + MORE_QUOTES:
                break
            if cand is first or cand.score < self.model.threshold - KEEP_MARGIN:
                continue
            similar = max(float(cand.vector @ c.vector) for c in chosen)
            new_names = set(entities(cand.sentence.text, asked.words)) - names
            if similar > SIMILAR or (asked.kind == "list" and not new_names):
                continue
            chosen.append(cand)
            names |= new_names
        return chosen[:MAX_QUOTES], chosen[MAX_QUOTES:]

    def _found(self, asked: Question, chosen: list[Candidate], more: list[Candidate]) -> Answer:
        sources: dict[str, Source] = {}
        shown = self._spans(chosen)
        quotes = self._quotes(shown, sources)
        # Further quotes never repeat what is shown (a span overlapping a shown one is left out).
        extra = [
            span
            for span in self._spans(more)
            if not any(a == span[0] and s < span[2] and span[1] < e for a, s, e, _ in shown)
        ]
        extra = self._quotes(extra, sources)
        lead = lead_line(asked, quotes)
        return Answer(
            asked.text, True, lead, quotes, list(sources.values()), more=extra, kind=asked.kind
        )

    def _quotes(
        self, spans: list[tuple[str, int, int, float]], sources: dict[str, Source]
    ) -> list[Quote]:
        """Spans as quotes, numbering their articles in ``sources`` as they first appear."""
        quotes = []
        for article_id, start, end, score in spans:
            if article_id not in sources:
                sources[article_id] = self._source(len(sources) + 1, article_id)
            text = self.store.text(article_id)[start:end]
            quotes.append(Quote(sources[article_id].n, text, article_id, start, end, score))
        return quotes

    def _spans(self, chosen: list[Candidate]) -> list[tuple[str, int, int, float]]:
        """Each chosen sentence as a span (with the sentence before it when it opens with a
        reference to it), neighbours in one paragraph joined; likeliest first."""
        spans = []
        for cand in chosen:
            s, first = cand.sentence, cand.position
            sentences = self._article(s.article_id).sentences
            if ANAPHOR.match(s.text) and first > 0:
                before = sentences[first - 1]
                same = before.unit == s.unit and s.kind == "prose"
                if same and s.end - before.start <= MAX_QUOTE_CHARS:
                    first -= 1
            start = sentences[first].start
            spans.append(Span(s.article_id, s.unit, first, cand.position, start, s.end, cand.score))
        return [(m.article_id, m.start, m.end, m.score) for m in merge_spans(spans)]

    def _refusal(self, asked: Question, hits: list[Hit], lead: str, reason: str) -> Answer:
        closest: list[str] = list(dict.fromkeys(h.article_id for h in hits))[:3]
        sources = [self._source(i + 1, a) for i, a in enumerate(closest)]
        if sources:
            lead += " The closest sources are listed below."
        return Answer(asked.text, False, lead, [], sources, kind=asked.kind, reason=reason)

    def _source(self, n: int, article_id: str) -> Source:
        info = self.store.by_id[article_id]
        return Source(n, article_id, info.title, info.source, info.url, info.published)


def _eligible(asked: Question, candidate: Candidate) -> bool:
    """A sentence can only answer if it holds the kind of thing asked for (a date for "when", a
    number for "how many", a name for "who"), and for yes/no and "what did X say" questions, if
    it is about the question's names."""
    if candidate.vector is None or candidate.kind <= 0 or not candidate.in_article:
        return False
    if asked.kind == "yesno":
        return candidate.subject and candidate.context_names == 1.0
    if asked.kind == "role":
        return candidate.context_names == 1.0
    return True


@dataclass(frozen=True)
class Span:
    """Sentences ``first``..``last`` (positions in their article) as one quote."""

    article_id: str
    unit: int  # where the run of text (a paragraph's prose, a list item) starts
    first: int
    last: int
    start: int
    end: int
    score: float


def merge_spans(spans: list[Span]) -> list[Span]:
    """Join spans of one run of text (a paragraph's prose, a list item) that overlap or follow
    each other, while the result stays quotable; best score first."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.article_id, s.first)):
        last = merged[-1] if merged else None
        if (
            last is not None
            and (last.article_id, last.unit) == (span.article_id, span.unit)
            and span.first <= last.last + 1
            and max(span.end, last.end) - last.start <= MAX_QUOTE_CHARS
        ):
            merged[-1] = Span(
                last.article_id,
                last.unit,
                last.first,
                max(last.last, span.last),
                last.start,
                max(last.end, span.end),
                max(last.score, span.score),
            )
            continue
        merged.append(span)
    return sorted(merged, key=lambda s: -s.score)
