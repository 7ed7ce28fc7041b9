"""`python -m haven`, the same as the `haven` command."""

from haven.cli import main

main()
