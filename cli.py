"""Run the ``eligibility`` command from a checkout: ``python cli.py check …``."""

from eligibility.cli.main import main

if __name__ == "__main__":
    main()
