"""Page loaders and callbacks of the pages staff see after signing in."""
