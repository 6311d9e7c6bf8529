"""Failure budgets: how often a public lookup or a login may fail, per key, for every worker."""
