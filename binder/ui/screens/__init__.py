"""The screens of the desktop app, one module each."""
