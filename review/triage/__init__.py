"""Triage: the vocabulary and sealed record of a case's triage, and changes to it."""
