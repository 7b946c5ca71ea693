"""`python -m securex ARGS`: the same program as `python main.py ARGS` and the `securex` command."""

import sys

from securex.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
