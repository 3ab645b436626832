"""Gradscape: a browser-based loss-landscape lab."""

__version__ = "0.1.0"
