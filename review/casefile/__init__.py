"""The case file: reading report documents and attachments, indexes, search, related cases."""
