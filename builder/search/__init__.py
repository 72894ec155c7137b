"""The search index: what is searchable, its words, the lunr index, the files search.js loads."""
