"""``python -m eligibility``: the same command as the ``eligibility`` console script."""

from eligibility.cli import main

if __name__ == "__main__":
    main()
