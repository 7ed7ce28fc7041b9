"""Published diceware word lists used for receipt codes (see README.md for sources)."""
