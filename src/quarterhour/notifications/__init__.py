"""Messages to customers: the outbox written in the caller's transaction, its templates, the
customers' contact preferences, webhook endpoints, and the sender loop a worker runs."""
