"""`python -m securex ARGS`: the same program as `python main.py ARGS` and the `securex` command."""

import signal
import sys


def launch() -> None:
    """Start the command line with Ctrl-C and SIGTERM watched from the first moment: a stop while SecureX loads
    is noted and acted on once it has loaded (raised in the middle of an import, a library may turn it into an
    ImportError)."""
    stops: list[int] = []
    for name in ("SIGINT", "SIGTERM"):
        signal.signal(getattr(signal, name), lambda signum, frame: stops.append(signum))
    from securex.cli.main import main

    if stops:
        print("Stopped while starting", file=sys.stderr)
        sys.exit(0)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C as usual; main() handles SIGTERM
    sys.exit(main())


if __name__ == "__main__":
    launch()
