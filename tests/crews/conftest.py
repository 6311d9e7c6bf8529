from __future__ import annotations

# The console's logged-in client, shared with the console's own tests.
from console.conftest import desk

__all__ = ["desk"]
