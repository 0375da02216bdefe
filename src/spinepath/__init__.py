"""spinepath: traced, evidence-linked decision support for primary bone tumours of the spine."""

__version__ = "0.1.0"
