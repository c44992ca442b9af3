"""``python -m translate`` runs the same CLI as the ``nb2en`` script."""

from translate.cli import main

main()
