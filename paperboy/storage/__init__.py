"""Storage: the one module family that speaks SQL, on SQLite and PostgreSQL."""
