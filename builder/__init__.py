"""Glossator: a static-site generator for annotated document readers."""

__version__ = "0.1.0"
