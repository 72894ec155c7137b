"""The command line: build, check, bundle, serve, init."""
