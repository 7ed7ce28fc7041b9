"""Evidence export: a self-verifying package of cases for legal teams (issue 9)."""
