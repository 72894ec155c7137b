"""Drafting annotations for an author to review (`glossator suggest`): pure functions from prepared documents to suggestions."""
