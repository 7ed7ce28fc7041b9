"""The Damm check digit: one decimal digit that catches every single-digit error.

H. Michael Damm's algorithm (2004) runs the digits through a totally
anti-symmetric quasigroup of order 10. Unlike Luhn (which misses 09 <-> 90) it
detects every substitution of one digit and every swap of two adjacent digits,
including swaps that involve the check digit itself.
"""

from __future__ import annotations

# The weakly totally anti-symmetric quasigroup of order 10 from Damm's thesis
# ("Total anti-symmetrische Quasigruppen", 2004), with zeros on the diagonal so
# a valid string, check digit included, always reduces to 0.
_QUASIGROUP = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)


def _interim(digits: str) -> int:
    interim = 0
    for digit in digits:
        interim = _QUASIGROUP[interim][int(digit)]
    return interim


def damm_check_digit(digits: str) -> str:
    """Return the check digit to append to the ASCII decimal string `digits`."""
    if not digits.isascii() or not digits.isdigit():
        raise ValueError("the Damm check digit is defined over ASCII decimal digits")
    return str(_interim(digits))


def damm_is_valid(digits: str) -> bool:
    """Whether `digits` ends in its own Damm check digit."""
    return digits.isascii() and digits.isdigit() and _interim(digits) == 0
