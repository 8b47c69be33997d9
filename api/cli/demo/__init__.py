"""A synthetic English secondary school with a sixth form, for ``careers-ledger demo``."""
