"""Entry point for `python -m aim`."""

from aim.cli import main

main()
