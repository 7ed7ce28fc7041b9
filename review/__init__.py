"""review/: the offline review workspace: import, unlock, triage, search, link, audit."""
