"""A whole round in one file and back (``matchapp export-round`` / ``import-round``): a leaf that
reads every feature's tables and is imported by none."""
