"""Fixtures shared by all suites, and the Hypothesis profiles the fuzz tests run under."""

from tests import fuzzing

fuzzing.load_profile()
