"""OneWindow: one online window for every government service."""
