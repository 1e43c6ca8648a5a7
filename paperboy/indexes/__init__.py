"""Search indexes kept beside the database: derived data, rebuildable from the store at any time."""
