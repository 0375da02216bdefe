"""The command line, the top of the house: one module per command group on the Typer app of app.py.

Nothing in spinepath imports this package except __main__; the command modules import app.py and
the pipeline below them, never each other.
"""
from . import board, cohort, consult, rules, teach  # noqa: F401  (each registers its commands on app)
from .app import app, main

__all__ = ["app", "main"]
