"""Step 3 of the pipeline, evaluate: run the rules on the patient's facts.

The compiler (rules to durable-rules rulesets, cached as JSON), the engine wrapper that keeps the
engine's limits from any user, the three-valued evaluator (true, false, not known) that explains
and re-evaluates, and the presumptions of the provisional pathway.
May import load and derive; never explain, render or anything above.
"""
