"""The pipeline's stages, one module each, in the order pipeline.build() calls them."""
