"""``python -m evalkit.cli``: the command line (same as the ``evalkit`` script)."""

import sys

from evalkit.cli.main import main

sys.exit(main())
