"""Every exit status of spinepath, in one place (README "Exit status").

A script can tell a bug from bad input, and a run that did its work from one where some files failed.
The signal statuses follow the shell's 128 + signal number, so that a caller sees what it would see if
the signal had ended the process.
"""
from __future__ import annotations

import signal
from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0  # done: a result was produced (even one whose advice is "biopsy first")
    BUG = 1  # an internal error: a bug in spinepath, the message says so
    BAD_INPUT = 2  # a bad file, bundle, option or command line: FILE:LINE:COL on stderr, nothing written
    SOME_FAILED = 3  # batch, board, validate, rules lint/test: done, but some files failed or findings were made
    INTERRUPTED = 128 + signal.SIGINT  # 130: Ctrl-C; batch keeps what was done and says so
    BROKEN_PIPE = 128 + signal.SIGPIPE  # 141: the reader went away (`| head`); nothing is printed
    TERMINATED = 128 + signal.SIGTERM  # 143: SIGTERM; batch keeps what was done and says so
