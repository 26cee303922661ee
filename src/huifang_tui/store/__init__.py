"""The store: SQLModel tables, the engine (SQLite or PostgreSQL), migrations, claims and the
standard-library first paint. The only SQL outside ``services/`` is here."""
