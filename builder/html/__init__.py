"""Pages: the theme, page contexts, a document's annotated text and source view, Markdown."""
