"""Scripts that rebuild the data and vendored files the project ships (run with python -m)."""
