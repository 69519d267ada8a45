"""The Discord bot: the client (:mod:`.client`), questions as a cog (:mod:`.questions`: /ask,
/sources, /help, mentions and direct messages), admin commands as a cog (:mod:`.admin`:
/reindex, /add) and the reply helpers they share (:mod:`.replies`)."""
