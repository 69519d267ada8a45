"""geoqa's index: articles → chunks → embeddings → FAISS + SQLite + BM25, built atomically.

This package knows nothing of ``bot``; the bot uses it.
"""

__version__ = "0.1.0"
