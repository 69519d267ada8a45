"""Splitting articles into overlapping chunks sized in the embedding model's tokens.

Every chunk keeps exact character offsets: ``article.text[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from index.articles.model import Article

# Paragraphs first, then lines, then sentences, then clauses and words.
SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]
TITLE_PREFIX_CHARS = 160


@dataclass(frozen=True)
class ChunkSettings:
    """How articles are cut: recorded in the manifest; an index built otherwise is refused.

    all-MiniLM-L6-v2 reads up to 256 word pieces but was trained on inputs of 128: chunks of
    about 100 tokens plus the title prefix stay near that length and keep retrieval focused.
    """

    chunk_tokens: int = 100
    overlap_tokens: int = 20

    def as_dict(self) -> dict:
        """The settings as recorded in the manifest."""
        return {"splitter": "recursive-character/tokens", **asdict(self)}


DEFAULT_CHUNKING = ChunkSettings()


@dataclass(frozen=True)
class Chunk:
    """A span ``[start, end)`` of one article's text."""

    article_id: str
    ordinal: int
    start: int
    end: int
    text: str


def embedding_text(title: str, chunk_text: str) -> str:
    """What is embedded for a chunk: the article title (titles are searchable), then its text."""
    return f"{title[:TITLE_PREFIX_CHARS]}\n\n{chunk_text}"


def _token_counter(tokenizer):
    """Length in the model's word pieces (no special tokens). ``verbose=False``: measuring a
    whole article is deliberate here, not an input the model would truncate."""

    def count(text: str) -> int:
        return len(tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    return count


class Chunker:
    """Cuts articles with langchain's recursive splitter, measuring length in model tokens."""

    def __init__(self, tokenizer, settings: ChunkSettings = DEFAULT_CHUNKING) -> None:
        # Imported here: answering needs the chunk settings, not the splitter (0.3 s to import).
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        self.settings = settings
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=settings.chunk_tokens,
            chunk_overlap=settings.overlap_tokens,
            length_function=_token_counter(tokenizer),
            separators=SEPARATORS,
            keep_separator="end",
            strip_whitespace=True,
        )

    def split(self, article: Article) -> list[Chunk]:
        """The article's chunks, in order, each with exact offsets into ``article.text``."""
        chunks: list[Chunk] = []
        cursor = 0
        for piece in self._splitter.split_text(article.text):
            start = article.text.find(piece, cursor)
            if start < 0:  # the splitter only ever returns substrings; guard the invariant
                raise ValueError(f"chunk of {article.id} not found in its text: {piece[:40]!r}")
            end = start + len(piece)
            chunks.append(Chunk(article.id, len(chunks), start, end, piece))
            cursor = start + 1
        return chunks
