"""Retrieval evaluation: data files (:mod:`.data`), the BEIR (:mod:`.beir`) and RGB
(:mod:`.rgb`) formats, metrics (:mod:`.metrics`) and retrieval scoring (:mod:`.retrieval`).
Answer evaluation lives with the answers, in ``bot.eval``."""
