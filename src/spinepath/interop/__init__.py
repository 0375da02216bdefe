"""Feature: exchange with other systems. A patient file as an mCODE-shaped FHIR R4 Bundle and back
(the consult itself as FHIR is a view: render/fhir.py).

Built on the pipeline: may import any step, never commands. Needs the optional extra spinepath[fhir]
only to validate what it reads and writes.
"""
