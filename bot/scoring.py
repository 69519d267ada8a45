"""How well a sentence answers a question, and whether the best one answers it well enough.

Each candidate sentence has :class:`Evidence`: its cosine similarity to the question, how much of
the question's vocabulary it and its context hold (terms weighted by how rare they are in the
index), whether it holds the question's names and numbers, and whether it holds the kind of
answer asked for. :class:`AnswerModel` reads it: a linear **ranking** score orders the candidates
(fitted as a conditional logit: which sentence is the answer, given that one is), the best one is
quoted when its score reaches ``threshold``, and a question most of whose words no article holds
needs a best sentence close to it in meaning (``off_topic_cosine``).

All three are fitted on data the rules were not written from (RGB's news questions and the
answer calibration set; ``geoqa eval calibrate``), see ``bot.calibrate`` and docs/answers.md.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields


@dataclass(frozen=True)
class Evidence:
    """The features of one candidate sentence, each 0–1 except ``cosine`` (−1–1)."""

    cosine: float  # embedding similarity of question and sentence
    relation: float  # ... of the question without its names (what it asks about them)
    coverage: float  # rarity-weighted share of the question's terms in the sentence
    context_coverage: float  # ... in the sentence with its title and neighbours
    focus: float  # ... of the terms outside the question's names, in it and its neighbours
    unknown: float  # share of the question's terms that no indexed article holds
    names: float  # share of the question's names and numbers in the sentence
    context_names: float  # ... in the sentence with its title and neighbours
    kind: float  # holds the kind of answer asked for (a number, a date, a name, ...)
    rank: float  # 1 / (1 + rank of the best retrieved chunk holding it)

    def vector(self) -> tuple[float, ...]:
        """The features in declaration order."""
        return astuple(self)


FEATURES = tuple(f.name for f in fields(Evidence))


@dataclass(frozen=True)
class Weights:
    """Linear weights over :class:`Evidence`, and a bias."""

    cosine: float = 0.0
    relation: float = 0.0
    coverage: float = 0.0
    context_coverage: float = 0.0
    focus: float = 0.0
    unknown: float = 0.0
    names: float = 0.0
    context_names: float = 0.0
    kind: float = 0.0
    rank: float = 0.0
    bias: float = 0.0

    def logit(self, evidence: Evidence) -> float:
        """The linear score of ``evidence``."""
        return self.bias + sum(
            getattr(self, name) * value
            for name, value in zip(FEATURES, evidence.vector(), strict=True)
        )


# A question most of whose words (by weight) no article holds is off topic unless the best
# sentence is close to it in meaning: its cosine must reach ``AnswerModel.off_topic_cosine``.
OFF_TOPIC_UNKNOWN = 0.5


@dataclass(frozen=True)
class AnswerModel:
    """The ranking weights, the score the best sentence must reach to be quoted, and the
    cosine a largely unknown question's best sentence must reach."""

    ranking: Weights
    threshold: float
    off_topic_cosine: float = 0.0

    def score(self, evidence: Evidence) -> float:
        """A candidate's ranking score."""
        return self.ranking.logit(evidence)

    def answers(self, evidence: Evidence) -> bool:
        """Whether the best candidate, with this evidence, is quoted as the answer."""
        if evidence.unknown > OFF_TOPIC_UNKNOWN and evidence.cosine < self.off_topic_cosine:
            return False
        return self.score(evidence) >= self.threshold


MODEL = AnswerModel(
    ranking=Weights(
        cosine=1.074,
        relation=0.983,
        coverage=0.959,
        context_coverage=-0.385,
        focus=0.377,
        unknown=0.0,
        names=-0.291,
        context_names=0.291,
        kind=1.964,
        rank=0.199,
    ),
    threshold=2.89,
    off_topic_cosine=0.35,
)
