"""Writing the file of --output so that nothing is ever lost.

A file is written beside its target under a temporary name and renamed into place only when it is
complete, so a full disk, a file-size limit or an interruption leaves the old file whole (rename is
atomic on one file system). An output that is one of the command's inputs is refused before anything
is read. A target that is not a regular file (/dev/null, /dev/stdout, a FIFO) is written directly:
renaming over a device would replace it.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Iterable, Iterator

from ..load.diagnostics import Diagnostic, InputError, display_path


def _error(path, message: str) -> InputError:
    return InputError([Diagnostic(display_path(path), 0, 0, "io", message)])


def same_file(a, b) -> bool:
    """Whether two paths name one file: the same inode when both exist, else the same real path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_inputs(output: Path | None, inputs: Iterable, option: str = "--output") -> None:
    """An output that is one of the inputs would overwrite what is being read: refuse it first."""
    if output is None:
        return
    for given in inputs:
        if same_file(output, given):
            raise InputError([Diagnostic("<command line>", 0, 0, "usage",
                                         f"{option} {display_path(output)} is also an input "
                                         f"({display_path(given)}): write the output to another file")])


def regular_target(output: Path) -> bool:
    """True when the target is (or will be) a regular file, which is replaced by a rename."""
    try:
        mode = os.stat(output).st_mode
    except FileNotFoundError:
        return True
    except OSError as exc:
        raise _error(output, f"cannot write: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise _error(output, "cannot write: is a folder; expected a file name")
    return stat.S_ISREG(mode)


def _mode_for(target: str) -> int:
    """Keep the permissions of the file being replaced; a new file gets the umask's default."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def replacing(output: Path, temporary: Path | None = None) -> Iterator[IO[str]]:
    """A text file that becomes `output` when the block ends without an exception; on an exception
    the temporary file is removed and `output` is untouched. `temporary` names the file written (batch
    uses a predictable name so that an interrupted run can be resumed); by default it is unique."""
    if not regular_target(output):
        with open_direct(output) as fh:
            yield fh
        return
    target = os.path.realpath(output)  # through a symbolic link, so that the link stays
    folder = os.path.dirname(target) or "."
    try:
        if temporary is None:
            fd, name = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".tmp", dir=folder)
        else:
            name = str(temporary)
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o600)
        fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
    except OSError as exc:
        where = "the folder does not exist" if isinstance(exc, FileNotFoundError) else exc.strerror or str(exc)
        raise _error(output, f"cannot write: {where}") from None
    try:
        with fh:
            yield fh
            fh.flush()
            os.fchmod(fh.fileno(), _mode_for(target))
            os.fsync(fh.fileno())
        os.replace(name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            if temporary is None:
                os.unlink(name)
        raise


def open_direct(output: Path) -> IO[str]:
    """A device or FIFO named as output (/dev/null, /dev/stdout): written in place."""
    try:
        return open(output, "w", encoding="utf-8", newline="")
    except OSError as exc:
        raise _error(output, f"cannot write: {exc.strerror or exc}") from None


def open_partial(output: Path, partial: str, kept: bytes = b"") -> IO[str]:
    """The file a batch writes while it runs (OUT.partial beside OUT), starting with the records `kept`
    from an interrupted run. The caller renames it to OUT when the run is complete."""
    try:
        with open(partial, "wb") as fh:
            fh.write(kept)
        return open(partial, "a", encoding="utf-8", newline="")
    except OSError as exc:
        where = "the folder does not exist" if isinstance(exc, FileNotFoundError) else exc.strerror or str(exc)
        raise _error(output, f"cannot write: {where}") from None


def write_output(text: str, output: Path, what: str) -> None:
    """Write a whole document to `output`, or leave it as it was and raise InputError."""
    try:
        with replacing(output) as fh:
            fh.write(text)
    except OSError as exc:
        raise _error(output, f"cannot write the {what}: {exc.strerror or exc}; the file was left as it was") \
            from None
