"""The one error type of SecureX: a problem the user can act on, said in one plain line."""

from __future__ import annotations

from typing import Optional

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # a command other than `run` stopped by Ctrl-C or SIGTERM before it finished


class SecureXError(Exception):
    """One plain line (or one line per problem) for the user, and the exit code the command line returns.

    Each part raises its own subclass so callers can catch what they can recover from; the command
    line's `main` is the one place that prints it and exits. Bad input and anything that stops a
    command from starting exit with 2; a command that ran but failed exits with 1.
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, exit_code: Optional[int] = None):
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
