"""The typos a receipt code written in digits gives away by itself, said before Argon2 runs.

A code in digits carries a Damm check digit per group (keys/receipt.py). The
check digits are a public function of the digits typed, so telling a reporter
which group is mistyped, or that a digit is missing, reveals nothing about any
code that exists, and spares them a wait and the generic "could not open"
answer for a slip of the finger. Every other way a code can fail still gets the
one generic answer after a full Argon2id run (intake/checkback.py).
"""

from __future__ import annotations

from flask_babel import gettext

from keys import ReceiptCheckDigitError, ReceiptDigitCountError, ReceiptError
from keys.receipt import RECEIPT_DIGITS, normalize_receipt_code


def digit_typo_message(code: str) -> str | None:
    """The reporter's-language message for a detectable typo in a digit code, or None."""
    try:
        normalize_receipt_code(code)
    except ReceiptCheckDigitError as typo:
        # The numbers printed beside the groups on the receipt page, in the same
        # digits, isolated left to right so "1, 6" does not read "6 ,1" on a Uyghur page.
        groups = _left_to_right(", ".join(str(group) for group in typo.groups))
        return str(
            gettext(
                "There is a typo in the digits of group %(groups)s. Check that group against "
                "your code, then type the code again.",
                groups=groups,
            )
        )
    except ReceiptDigitCountError as miscount:
        return str(
            gettext(
                "A receipt code in digits has %(expected)s digits, but you typed %(typed)s. "
                "Check that no digit is missing or typed twice, then type the code again.",
                expected=_left_to_right(str(RECEIPT_DIGITS)),
                typed=_left_to_right(str(miscount.digit_count)),
            )
        )
    except ReceiptError:
        return None
    return None


def _left_to_right(value: str) -> str:
    # LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE: <bdi dir="ltr"> in plain text,
    # which survives being escaped into any element of any page.
    return f"\u2066{value}\u2069"
