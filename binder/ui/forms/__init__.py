"""Form parts shared by several screens."""
