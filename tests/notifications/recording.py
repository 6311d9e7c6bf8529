"""A channel that records what it was handed and fails on demand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from quarterhour.notifications.channels import ChannelError, Outgoing, Sent

PHONE = "13912345678"


@dataclass
class Recorder:
    """A channel that keeps what it was handed; `fail` decides per message whether (and how)
    it refuses."""

    name: str = "sms"
    concurrent: bool = False
    handed: list[Outgoing] = field(default_factory=list)
    fail: Callable[[Outgoing], ChannelError | None] = lambda _m: None
    delivered: bool = False
    closed: bool = False

    def send(self, message: Outgoing) -> Sent:
        self.handed.append(message)
        if (error := self.fail(message)) is not None:
            raise error
        return Sent(
            provider_id=f"p-{message.message_id}", delivered=self.delivered, detail="HTTP 200"
        )

    def close(self) -> None:
        self.closed = True
