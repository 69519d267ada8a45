"""Adding articles to the corpus: URL hygiene (:mod:`.urls`), safe fetching (:mod:`.fetch`),
feeds (:mod:`.feeds`), drafts from pages (:mod:`.drafts`), writing into the corpus folder
(:mod:`.corpus`) and the orchestrating :class:`~index.ingest.ingester.Ingester`; followed feeds
(:mod:`.followed`, the feeds file), what syncing remembers about them (:mod:`.feed_state`), one
sync of them all (:mod:`.sync`) and removing old articles (:mod:`.prune`)."""
