"""The core: everything the desktop app and the command line share. Never imports Qt."""
