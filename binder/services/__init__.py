"""App services without Qt: settings, the app lock, drafts and the first-run flow."""
