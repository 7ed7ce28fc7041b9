"""Replies to reporters: written and sealed in the workspace, sent as signed reply bundles."""
