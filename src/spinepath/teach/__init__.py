"""Feature: teaching with case scenarios (spinepath teach, spinepath cases).

Built on the pipeline and on board: may import any step and board, never commands.
"""
