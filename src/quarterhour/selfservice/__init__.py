"""Self-service intake: a customer's phone proven by a one-time code sent by SMS (codes.py)."""
