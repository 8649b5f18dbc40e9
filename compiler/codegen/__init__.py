"""JavaScript generation: `javascript.py` for code, `worker.py` for the module around it."""
