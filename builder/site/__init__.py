"""Writing the site: staged beside the output folder and swapped in whole, publishing files, the offline bundle."""
