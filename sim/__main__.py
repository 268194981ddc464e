"""``python -m sim`` is the ``fundsim`` command."""

from sim.cli import main

main()
