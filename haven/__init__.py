"""Haven: the `haven` command that fronts keys/, intake/ and review/."""
