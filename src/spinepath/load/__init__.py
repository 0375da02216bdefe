"""Step 1 of the pipeline, load: read files safely and check them.

The safe YAML reader (no tags, no aliases, positions for every value), the patient model, the rule,
reference and intervention files, and the diagnostics every step reports with (FILE:LINE:COL).
Imports nothing else from spinepath: every other step may import it.
"""
