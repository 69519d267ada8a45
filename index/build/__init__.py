"""Building an index: chunking (:mod:`.chunking`), the manifest that describes a build
(:mod:`.manifest`) and the builder (:mod:`.builder`)."""
