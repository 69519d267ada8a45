"""``python -m bot``: the same as the ``geoqa`` console script."""

from bot.cli import main

main()
