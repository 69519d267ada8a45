"""Rendering answers, formatting only: terminal text (:mod:`.terminal`), the ``--json`` object
(:mod:`.json`) and Discord embeds (:mod:`.discord`)."""
