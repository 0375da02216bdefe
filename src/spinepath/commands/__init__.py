"""The command line, the top of the house: one module per command group on the Typer app of app.py.

Nothing in spinepath imports this package except __main__; the command modules import app.py and
the pipeline below them, never each other.
"""
# Registration order is the order of `spinepath --help`: the consult first, the knowledge-base tools last.
from . import consult, board, teach, cohort, audit, interop, serve, rules  # noqa: F401,I001  (each registers its commands on app)
from .app import app, main

__all__ = ["app", "main"]
