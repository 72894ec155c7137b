"""From read documents to a checked, cross-referenced corpus: clean, anchor, link."""
