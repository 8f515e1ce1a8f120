"""The response plan: its data, its text form and its stored revisions."""
