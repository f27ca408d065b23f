"""Database tables, engine and the statements that read or write geometry."""
