"""Developer tools (not used at run time): e.g. the bundled-music generator."""
