"""Step 4 of the pipeline, explain: turn fired rules into a consult.

One entry per decision, conflicts, the safety net (no resection before histology), the provisional
pathway under written presumptions, the ranked questions, and what-if.
May import load, derive and evaluate; never render or the features above.
"""
