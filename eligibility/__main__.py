"""``python -m eligibility``: the same command as the ``eligibility`` console script.

It is named ``eligibility`` in help and for shell completion (``_ELIGIBILITY_COMPLETE``),
whichever way it was started."""

from eligibility.cli import main

if __name__ == "__main__":
    main(prog_name="eligibility")
