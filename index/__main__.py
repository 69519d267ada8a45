"""``python -m index``: the ``build``, ``stats`` and ``add`` commands."""

from index.cli import main

main()
