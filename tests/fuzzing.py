"""Hypothesis profiles for the property-based fuzz tests (tests/*/test_fuzz_*.py).

`ci`, the default, runs few examples (the same ones on every run) so that the
whole fuzz set stays within a minute on a loaded machine;
`HYPOTHESIS_PROFILE=deep` runs fifty times as many, for a search by hand. Each
test states its cost relative to the cheapest with `fuzz(cost=N)`, which
divides the profile's example count, so the deep profile deepens every test
alike.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"
CI_EXAMPLES = 60
DEEP_EXAMPLES = 50 * CI_EXAMPLES

# Examples are whole requests, imports or decryptions: their time varies with the
# machine's load, which says nothing about correctness (time is bounded elsewhere).
_COMMON = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
# CI explores the same examples on every run (a fixed seed per test, no example
# database carried between runs): a red run is then one a second run reproduces,
# and a random example can never turn a landing red by chance. The deep
# profile is the random search, run by hand.
settings.register_profile("ci", _COMMON, max_examples=CI_EXAMPLES, derandomize=True, database=None)
settings.register_profile("deep", _COMMON, max_examples=DEEP_EXAMPLES)


def load_profile() -> None:
    """Load the profile HYPOTHESIS_PROFILE names (default `ci`); an unknown name is an error."""
    settings.load_profile(os.environ.get(PROFILE_VARIABLE, "ci"))


def fuzz(*, cost: int = 1) -> settings:
    """Settings for a fuzz test whose examples cost about `cost` times the cheapest's."""
    current = settings.default
    assert current is not None
    return settings(current, max_examples=max(3, current.max_examples // cost))
