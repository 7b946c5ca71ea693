"""SecureX entry point: `python main.py --help`."""

import signal
import sys

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a stop while SecureX loads ends it as Ctrl-C does
    try:
        from securex.cli.main import main
    except KeyboardInterrupt:
        print("Stopped while starting", file=sys.stderr)
        sys.exit(0)
    sys.exit(main())
