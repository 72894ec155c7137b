"""How the steps run: the pipeline, the memo, the executor (in-process or forked)."""
