"""Which paths are patient files, and the patient files that command-line arguments name.

Shared by every command that takes many files (validate, batch, board, audit), so that the single-file
commands find files the same way without importing the batch.
"""
from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Iterable

from .diagnostics import Diagnostic, InputError, display_path

PATIENT_SUFFIXES = (".yaml", ".yml")
_GLOB_CHARS = set("*?[")


def is_patient_file(path: Path) -> bool:
    return path.suffix in PATIENT_SUFFIXES and not path.name.endswith(".expect.yaml")


def command_line_error(message: str) -> InputError:
    """An argument that names no patient file, or an earlier output that cannot be resumed (exit 2)."""
    return InputError([Diagnostic("<command line>", 0, 0, "usage", message)])


def _identity(path: str):
    """What makes two names one file: device and inode when it exists, else its resolved path."""
    try:
        st = os.stat(path)
        return (st.st_dev, st.st_ino)
    except (OSError, ValueError):
        return os.path.realpath(path)


def _in_folder(folder: str, seen_dirs: set) -> list[str]:
    """Patient-file entries under folder, in sorted path order, without recursion. A folder that cannot
    be listed is an entry itself (its record says so); links to folders are followed once each."""
    found: list[str] = []
    stack = [folder]
    while stack:
        d = stack.pop()
        try:
            with os.scandir(d) as it:
                entries = list(it)
        except OSError:
            found.append(d)  # reading it says why: its patients are reported, not dropped
            continue
        for entry in entries:
            path = os.path.join(d, entry.name)
            try:
                is_dir = entry.is_dir()  # follows a link
            except OSError:
                is_dir = False
            if is_dir:
                key = _identity(path)
                if key not in seen_dirs:
                    seen_dirs.add(key)
                    stack.append(path)
            elif is_patient_file(Path(entry.name)):
                found.append(path)  # a FIFO or a broken link too: its record says what it is
    return sorted(found, key=lambda p: Path(p).as_posix())


def _stat(path: str):
    try:
        return os.stat(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return exc


def collect(arguments: Iterable[str], skip: Iterable = ()) -> list[str]:
    """Patient files named by the arguments (files, folders searched recursively, globs), in order.

    A file reached twice (by two names, or a link) is consulted once, where it first appears; the
    files in `skip` (the command's own output) never; an argument that names no patient file is a
    command-line error."""
    skipped = {_identity(str(s)) for s in skip} | {os.path.realpath(str(s)) + ".partial" for s in skip}
    out: dict = {}
    seen_dirs: set = set()
    for arg in arguments:
        st = _stat(arg)
        if isinstance(st, os.stat_result) and os.path.isdir(arg):
            seen_dirs.add(_identity(arg))
            files = _in_folder(arg, seen_dirs)
        elif st is not None or os.path.lexists(arg):
            files = [arg]  # also a file that cannot be reached: its record says why
        elif _GLOB_CHARS & set(arg):
            files = []
            for match in sorted(glob.glob(arg, recursive=True)):
                if os.path.isdir(match):
                    seen_dirs.add(_identity(match))
                    files.extend(_in_folder(match, seen_dirs))
                elif is_patient_file(Path(match)):
                    files.append(match)
        else:
            raise command_line_error(f"{display_path(arg)}: no such file or folder")
        files = [f for f in files if _identity(f) not in skipped and os.path.realpath(f) not in skipped]
        if not files:
            raise command_line_error(f"{display_path(arg)}: no patient file (*.yaml, *.yml) there")
        for f in files:
            out.setdefault(_identity(f), os.path.normpath(f))
    return list(out.values())
