"""The validation engine (framework-free). Being built; see issue 4."""
