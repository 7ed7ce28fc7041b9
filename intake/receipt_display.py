"""How the receipt page writes a code: word by word, each beside its group of digits."""

from __future__ import annotations

from keys.receipt import receipt_code_digit_groups


def receipt_rows(code: str) -> list[tuple[str, str]]:
    """(word, digits) for each word of `code`, in order: the rows the receipt page numbers."""
    return list(zip(code.split(), receipt_code_digit_groups(code), strict=True))
