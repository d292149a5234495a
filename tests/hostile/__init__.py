"""The hostile corpus of issue 9 (see corpus.py)."""
