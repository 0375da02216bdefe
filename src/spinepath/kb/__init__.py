"""Feature: knowledge-base tools for the people who write rules: lint, scenarios (rules test), the
decision-point map, and mutation testing.

Built on the pipeline: may import any step, never commands.
"""
