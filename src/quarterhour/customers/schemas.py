from __future__ import annotations

from pydantic import BaseModel


class CustomerOut(BaseModel):
    """A customer as lists show it: personal data masked on the server."""

    id: int
    name: str
    phone: str | None
    address: str | None
    district_id: int | None


class FullPhoneOut(BaseModel):
    customer_id: int
    phone: str | None
