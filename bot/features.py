"""What a question asks for, and the evidence a sentence holds for it.

:func:`analyse` works a question out once: its kind (a list, an amount, a time, a place, a
person, a role, what someone said, a cause, yes or no, or other), its content terms (stemmed as
the lexical index stems them) and the names it mentions. :func:`answer_evidence` then says how
much a sentence looks like it holds the kind of answer asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.store.lexical import normalize_aliases, tokenize

MONTHS_DAYS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday "
    "saturday sunday".split()
)
FUNCTION_WORDS = frozenset(
    "the a an on in at but and or if as after before for from with by of to its it this that "
    "these those there here he she they we i you his her their our your".split()
)
QUESTION_WORDS = frozenset(
    "who whom whose what which when where why how is are was were has have had does do did will "
    "would can could should may might shall tell list name".split()
)
CAPITALIZED = r"(?<![\w’'-])(?:[A-Z]\.(?:[A-Z]\.)+|[A-Z][\w’'-]*)"
CONNECTOR = r"(?:of\s+(?:the\s+)?|the\s+|de\s+|and\s+(?=[A-Z][\w’'-]*\s+[A-Z]))"
ENTITY = rf"{CAPITALIZED}(?:\s+{CONNECTOR}?{CAPITALIZED})*"
ENTITY_RE = re.compile(ENTITY)
LIST_NAME = rf"{CAPITALIZED}(?:\s+(?:of\s+(?:the\s+)?|the\s+|de\s+)?{CAPITALIZED})*"
ENTITY_LIST = re.compile(rf"{LIST_NAME}(?:,\s+{LIST_NAME})+(?:,?\s+and\s+{LIST_NAME})?")
MIN_LIST_NAMES = 3

NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|"
    r"billions?|trillions?|dozens?|half|quarter|percent|per cent|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|twice|double|triple"
)
NUMBER_NAMES = frozenset(re.sub(r"\(\?:|\)|s\?|\|", " ", NUMBER_WORDS).split()) | frozenset(
    "thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
)
DIGITS = re.compile(r"\d+(?:[.,]\d+)*%?")
NUMBER_WORD = re.compile(rf"\b(?:{NUMBER_WORDS})\b", re.IGNORECASE)
MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?)"
)
DATE_WORDS = re.compile(
    rf"\b(?:1[89]\d\d|20\d\d|{MONTH}|"
    r"(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|today|yesterday|tomorrow|"
    r"(?:last|next|this|earlier this|later this)\s+(?:week|month|year|spring|summer|autumn|fall|"
    r"winter))\b"
)
DAY_OF_MONTH = re.compile(
    rf"\b{MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}"
)
PLACE = re.compile(rf"\b(?:in|at|from|to|near|outside|inside)\s+(?:the\s+)?({ENTITY})")
# Words that say who belongs to a group: the kind of answer "who is in X?" asks for.
MEMBERSHIP = re.compile(
    r"\b(?:includ\w*|members?|membership|joined|join(?:s|ing)?|signed|signator\w*|"
    r"partners?|consists? of|comprises?|teaming up|team up|collaborat\w* with|"
    r"alongside|together with|allies)\b",
    re.IGNORECASE,
)
SPEECH = re.compile(
    r"\b(?:said|says|say|told|tells|added|adds|wrote|writes|stated|states|claimed|claims|argued|"
    r"argues|warned|warns|announced|announces|declared|insisted|noted|explained|vowed|promised|"
    r"highlighted|stressed|urged|called|according to)\b"
)
SPEAKER_WINDOW = 6  # words before a speech verb (or after "according to") that name the speaker
STAND_INS = frozenset(
    "he she they it we i his her president minister officials official spokesman spokeswoman "
    "spokesperson chairman chief bank company government ministry agency leader".split()
)
SPEAKER_QUESTION = re.compile(
    r"\bwhat (?:did|does|do|has|have|had|will|would) (?P<who>.+?) (?:say|said|tell|told|claim|"
    r"write|announce|think|thinks|argue|warn|promise|vow|mean)\b|\bhow did (?P<who2>.+?) "
    r"(?:react|respond)\b|\bwhat (?:was|is) (?P<who3>.+?)[’']s? (?:reaction|response|statement|"
    r"view|position)\b",
    re.IGNORECASE,
)
CAUSE = re.compile(
    r"\b(?:because|due to|owing to|thanks to|as a result|result of|after|amid|following|since|"
    r"so that|in order to|in response to|caused|led to|prompted|driven by|partly|given|"
    r"over concerns?|fears?)\b",
    re.IGNORECASE,
)
ROLE = re.compile(
    r"\b(?:chair(?:man|woman|person)?|president|minister|secretary|director|chief|head|leader|"
    r"founder|co-founder|ceo|officer|deputy|member|spokes(?:man|woman|person)|governor|"
    r"negotiator|regulator|executive|analyst|professor|ambassador|envoy|czar|former|judge|"
    r"commissioner|official|manager|editor|reporter|general)\b",
    re.IGNORECASE,
)
PEOPLE = re.compile(
    r"\b(?:scientists|engineers|researchers|experts|officials|ministers|leaders|members|"
    r"governments|countries|nations|companies|firms|banks|associations|universities|students|"
    r"workers|lawmakers|parliament|investors|partners|citizens|people|residents|voters)\b",
    re.IGNORECASE,
)
APPOSITIVE = re.compile(r",\s+(?:a|an|the|its|his|her)\s+[\w’'-]+")
NEGATION = re.compile(r"\b(?:not|no|never|n[o’']t|neither|nor|yet to)\b", re.IGNORECASE)

AUX = r"(?:is|are|was|were|has|have|had|does|do|did|will|would|can|could|should|may|might|must)"
KIND_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "amount",
        re.compile(
            r"\bhow (?:much|many|big|large|far|long|old|high|fast|often)\b|"
            r"\bwhat (?:is|was|are|were|would be|could be)? ?(?:the |its )?"
            r"(?:size|value|cost|price|number|amount|share|figure|total|percentage|budget)\b|"
            r"\b(?:worth|cost|costs|revenue|sales|profit|earnings|income|budget|price|population|"
            r"gdp|turnover|valuation|salary|fee|fees|investment)\b"
        ),
    ),
    (
        "list",
        re.compile(
            r"\b(?:which|what) (?:\w+ )?(?:countries|nations|states|companies|firms|members|groups|"
            r"people|organi[sz]ations|banks|associations|partners|signatories|governments)\b|"
            r"\bwho (?:is|are|else is|else are) (?:in|part of|members? of|joining|behind|"
            r"involved|taking part)\b|"
            r"\bwho (?:are|were) (?:the )?(?:members|partners|signatories)\b|"
            r"\b(?:members|partners|signatories|participants) of\b|\blist\b|\bname the\b|"
            r"\bwho (?:has |have )?(?:joined|signed|is joining|are joining)\b|"
            r"\bwho (?:will|would|does|do|did|is|are|has|have) .+ (?:work|partner|cooperate|"
            r"collaborate|team up|ally|side) with\b"
        ),
    ),
    (
        "time",
        re.compile(
            r"\b(?:when|since when|what (?:day|date|year|month|time))\b|"
            r"\b(?:date|deadline|anniversary)\b"
        ),
    ),
    (
        "cause",
        re.compile(r"\b(?:why|how come|reasons?|caus\w*|held .*back|holding .*back|led to)\b"),
    ),
    (
        "speech",
        re.compile(
            r"\bwhat (?:did|does|do|has|have|had|will|would) .+ (?:say|said|tell|told|claim|write|"
            r"announce|think|thinks|argue|warn|promise|vow|mean)\b|"
            r"\bhow did .+ (?:react|respond)\b|"
            r"\bwhat (?:was|is) .+ (?:reaction|response|statement|view|position)\b"
        ),
    ),
    (
        "place",
        re.compile(r"\bwhere\b|\b(?:which|what) (?:city|town|region|place|venue|location)\b"),
    ),
    (
        "person",
        re.compile(
            r"\b(?:who|whom|whose)\b|\bwhich (?!is\b|are\b|was\b|were\b)\w+(?<!s)\b|"
            r"\bwhat (?:country|company|firm|team|movie|film|book|song|game|party|group|bank|"
            r"agency|organi[sz]ation|brand|model|product)\b"
        ),
    ),
    ("yesno", re.compile(rf"^{AUX}\b")),
)
KINDS = tuple(kind for kind, _ in KIND_RULES) + ("role", "other")


ROLE_QUESTION = re.compile(r"^(?:who|who’s|who's) (?:is|was) (?P<rest>.+?)\W*$", re.I)


def _asks_role(question: str) -> bool:
    """Whether the question is "who is NAME?": a name, not "who is invited to join?"."""
    match = ROLE_QUESTION.match(question.strip())
    if match is None:
        return False
    rest = match.group("rest").split()
    if rest[0][:1].isupper():
        return True
    verbish = any(w.lower().endswith(("ed", "ing")) for w in rest)
    return len(rest) <= 4 and not verbish and rest[0].lower() not in FUNCTION_WORDS


def question_kind(question: str) -> str:
    """A coarse answer type: one of :data:`KINDS`."""
    q = " ".join(question.lower().split())
    if _asks_role(question) and not KIND_RULES[1][1].search(q):
        return "role"
    for kind, pattern in KIND_RULES:
        if pattern.search(q):
            return kind
    return "other"


def _word(token: str) -> str:
    return token.lower().strip(".,’'")


def entities(text: str, exclude: frozenset[str] = frozenset()) -> list[str]:
    """Capitalized names in ``text`` other than the ``exclude``d words' (a question's own),
    function words, months and days. A name is cut at "and"; ``exclude``d words that open it
    are dropped ("Google CEO Sundar Pichai" gives "Sundar Pichai"), and a name that holds one
    further in is the question's own and left out ("Baltic Chip Accord" when "chip" is)."""
    found = []
    for match in ENTITY_RE.finditer(text):
        for part in re.split(r"\s+and\s+", match.group().strip()):
            tokens = part.split()
            while tokens and _word(tokens[0]) in exclude | FUNCTION_WORDS:
                tokens.pop(0)
            words = {_word(t) for t in tokens}
            ignored = MONTHS_DAYS | FUNCTION_WORDS | NUMBER_NAMES
            if not tokens or words & exclude or words <= ignored:
                continue
            found.append(" ".join(tokens))
    return found


def entity_lists(text: str, exclude: frozenset[str] = frozenset()) -> list[str]:
    """Verbatim enumerations of names ("Brazil, India, South Africa, China") in ``text``."""
    runs = []
    for match in ENTITY_LIST.finditer(text):
        if len(entities(match.group(), exclude)) >= MIN_LIST_NAMES:
            runs.append(match.group())
    return runs


TITLE_WORDS = frozenset(
    "ceo cfo cto chief president vice prime minister chairman chairwoman chair director "
    "secretary governor senator king queen pope mayor head founder premier chancellor "
    "general commissioner ambassador spokesman spokeswoman".split()
)
NAME_PARTS = re.compile(r"\s+of\s+(?:the\s+)?|\s+de\s+")


def question_names(question: str) -> list[str]:
    """Names the question mentions: capitalized words past its first word, and acronyms, each
    name cut at "of" ("CEO of Nintendo" → "Nintendo"), titles such as "CEO" left out."""
    found = []
    for match in ENTITY_RE.finditer(question):
        name = match.group().strip()
        words = [w.lower().strip(".’'") for w in name.split()]
        if match.start() == 0 and (
            words[0] in QUESTION_WORDS | FUNCTION_WORDS or (len(words) == 1 and not name.isupper())
        ):  # a capital that only starts the question says nothing
            name = name.split(None, 1)[1] if " " in name else ""
        for part in NAME_PARTS.split(name):
            words = {w.lower().strip(".’'") for w in part.split()}
            ignored = MONTHS_DAYS | FUNCTION_WORDS | QUESTION_WORDS | TITLE_WORDS
            if part and not words <= ignored:
                found.append(part)
    return found


@dataclass(frozen=True)
class Question:
    """What the answering steps need to know about a question, worked out once."""

    text: str
    kind: str
    words: frozenset[str]  # lowercased words, to tell new names from the question's own
    terms: tuple[str, ...]  # stemmed content words, in order, without repeats
    names: tuple[str, ...]  # names as written in the question
    name_terms: tuple[tuple[str, ...], ...]  # each name's stemmed terms
    speaker: tuple[str, ...] = ()  # for "what did X say": X's stemmed terms

    def without_names(self) -> str:
        """The question with its names taken out: what it asks about them ("Who chairs the?")."""
        text = self.text
        for name in self.names:
            text = text.replace(name, " ")
        return " ".join(text.split())

    @property
    def name_term_set(self) -> frozenset[str]:
        """Every term that belongs to a name."""
        return frozenset(t for terms in self.name_terms for t in terms)


def analyse(question: str) -> Question:
    """Work out a (validated) question's kind, words, terms and names once."""
    words = frozenset(w.lower() for w in re.findall(r"\w+", normalize_aliases(question)))
    words |= frozenset(w.lower() for w in re.findall(r"\w+", question))
    names = tuple(dict.fromkeys(question_names(question)))
    name_terms = tuple(tuple(tokenize(name)) for name in names)
    return Question(
        text=question,
        kind=question_kind(question),
        words=words,
        terms=tuple(dict.fromkeys(tokenize(question))),
        names=tuple(n for n, t in zip(names, name_terms, strict=True) if t),
        name_terms=tuple(t for t in name_terms if t),
        speaker=_speaker(question),
    )


def _speaker(question: str) -> tuple[str, ...]:
    """The stemmed terms of X in "what did X say …", "how did X react", "X's reaction"."""
    match = SPEAKER_QUESTION.search(question)
    if match is None:
        return ()
    who = next(g for g in match.groups() if g)
    return tuple(tokenize(who))


STAND_IN = 0.5  # speech evidence when the speaker is named by a pronoun or title only


def speech_evidence(speaker: tuple[str, ...], sentence: str) -> float:
    """1 when the sentence reports ``speaker``'s words (the speaker named next to a speech verb),
    :data:`STAND_IN` when it reports words of someone named only by a pronoun or title (whom the
    sentences before may name), else 0."""
    best = 0.0
    for verb in SPEECH.finditer(sentence):
        if verb.group() == "according to":
            window = sentence[verb.end() :].split()[:SPEAKER_WINDOW]
        else:
            window = sentence[: verb.start()].split()[-SPEAKER_WINDOW:]
            window += sentence[verb.end() :].split()[:2]
        terms = set(tokenize(" ".join(window)))
        if speaker and all(t in terms for t in speaker):
            return 1.0
        words = {w.strip(".,;:“”\"’'").lower() for w in window}
        if not speaker or words & STAND_INS:
            best = STAND_IN
    return best


def name_present(name_terms: tuple[str, ...], terms: frozenset[str] | set[str]) -> bool:
    """Whether a name is in ``terms``: all of a one- or two-word name's terms, at least two
    thirds of a longer one's ("Academy Awards Ceremony" is found as "Academy Awards")."""
    found = sum(t in terms for t in name_terms)
    return found >= len(name_terms) if len(name_terms) <= 2 else 3 * found >= 2 * len(name_terms)


def _numbers(text: str) -> float:
    """Evidence of an amount: figures that are not years or days of a month, number words."""
    text = DAY_OF_MONTH.sub(" ", text)
    digits = [d for d in DIGITS.findall(text) if not re.fullmatch(r"(?:19|20)\d\d", d)]
    return 1.0 * bool(digits) + 0.5 * len(NUMBER_WORD.findall(text))


def answer_evidence(question: Question, sentence: str) -> float:
    """0–1: how much ``sentence`` looks like it holds the kind of answer asked for (1 for kinds
    that ask for nothing in particular)."""
    kind, exclude = question.kind, question.words
    if kind == "list":
        names = set(entities(sentence, exclude))
        listed = 1.0 if entity_lists(sentence, exclude) else 0.0
        joined = 1.0 if MEMBERSHIP.search(sentence) else 0.0
        return min(1.0, 0.4 * listed + 0.15 * len(names) + 0.3 * joined)
    if kind in ("person", "role"):
        names = entities(sentence, exclude)
        if kind == "role":
            role = bool(ROLE.search(sentence)) or bool(APPOSITIVE.search(sentence))
            return 1.0 if role else 0.0
        return min(1.0, 0.5 * len(names) + 0.5 * bool(PEOPLE.search(sentence)))
    if kind == "amount":
        return min(1.0, _numbers(sentence))
    if kind == "time":
        return min(1.0, 0.5 * len(DATE_WORDS.findall(sentence)))
    if kind == "place":
        places = [m for m in PLACE.findall(sentence) if entities(m, exclude)]
        return min(1.0, 0.6 * len(places) + 0.1 * len(entities(sentence, exclude)))
    if kind == "speech":
        return speech_evidence(question.speaker, sentence)
    if kind == "cause":
        return 1.0 if CAUSE.search(sentence) else 0.0
    return 1.0
