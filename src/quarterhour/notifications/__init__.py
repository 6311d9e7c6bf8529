"""Customers hear back: the outbox of messages written with the events they tell of, and the
channels that carry them (an SMS gateway over HTTP, e-mail over SMTP, signed webhooks to other
systems), with a sandbox SMS gateway for tests and the demo."""
