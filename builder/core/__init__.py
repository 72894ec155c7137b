"""Records, ids, settings' types, diagnostics, dates and site paths: what every other layer shares."""
