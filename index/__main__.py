"""``python -m index``: the ``build`` and ``stats`` commands."""

from index.cli import main

main()
