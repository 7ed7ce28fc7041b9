"""`python -m haven`, the same as the `haven` command."""

import sys

from haven.entry import main

sys.exit(main())
