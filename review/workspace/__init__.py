"""The workspace and its storage: the database, the object store, the audit chain."""
