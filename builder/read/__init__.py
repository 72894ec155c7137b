"""Reading an author's files: the link policy, settings, INDEX.md, documents, sidecars, entities, YAML."""
