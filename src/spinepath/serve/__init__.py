"""A feature on top of the pipeline, serve: spinepath as a CDS Hooks 2.0 service for an EHR.

The EHR's prefetched FHIR resources go through the FHIR import (interop/), the patient through the one
consult (explain/), and the typed result becomes cards here (cards.py), never recomputed. May import
load, derive, evaluate, explain, render and the other features (interop, board); never a command.
Starlette and uvicorn run it (docs/cds-hooks.md says why); models.py holds the CDS Hooks exchange.
"""
