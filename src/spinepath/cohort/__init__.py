"""Feature: many patients at once (spinepath batch) and synthetic patients to feed it (spinepath synth).

Built on the pipeline: may import any step, never commands.
"""
