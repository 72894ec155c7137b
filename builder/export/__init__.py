"""The corpus as data for other tools: W3C Web Annotations, CSV and JSON tables (pure: records in, bytes out)."""
