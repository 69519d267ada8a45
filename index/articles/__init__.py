"""Articles: one record family (:mod:`.model`), id and file-name slugs (:mod:`.slugs`), front
matter (:mod:`.frontmatter`), HTML extraction (:mod:`.html`) and the corpus readers
(:mod:`.readers`)."""
