"""Hostile input: script injection in every author-controlled field, paths that leave
the corpus, YAML bombs, huge and malformed files. Each input builds safely or is
refused with a `path:line:column` error, in bounded time and memory, and never
damages the site already built."""
