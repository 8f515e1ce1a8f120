"""The binder file itself: opening, migrations, durable writes, backups."""
