"""``python -m otcheck``: the same as the ``otcheck`` command (see :mod:`otcheck.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
