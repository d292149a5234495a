"""Browser tests of the web application (issue 11)."""
