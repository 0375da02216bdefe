"""Feature: the tumour-board brief (one page per patient, Markdown or HTML for print).

Built on the pipeline: may import load, derive, evaluate, explain and render, never commands.
"""
