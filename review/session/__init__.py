"""An unlocked reviewer: unlocking an identity file, and the in-memory vault of sessions."""
