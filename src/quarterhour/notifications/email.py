"""E-mail through an SMTP server (smtplib), one connection kept across messages.

The server's answer decides a failure's fate: a 5xx reply (no such mailbox, message refused) will
be the same next time; a 4xx reply (mailbox busy, greylisting) or a lost connection may not.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from quarterhour.kit import clock, masking
from quarterhour.notifications.channels import ChannelError, Outgoing, Sent

_ADDRESS = re.compile(r"[^\s<>@\"']+@[^\s<>@\"']+")


class SmtpChannel:
    """The `email` channel. The connection is opened at the first message and kept; one that the
    server closed in between (idle timeout, restart) is opened again and the message sent on it.
    A lock keeps a second thread off the connection while one is talking on it."""

    name = "email"
    concurrent = False  # one connection: the lock would only queue the threads

    def __init__(
        self,
        host: str,
        port: int,
        user: str | None,
        password: str | None,
        sender: str,
        starttls: bool,
        timeout: float = 10.0,
    ) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.sender = sender
        self.starttls = starttls
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> Sent:
        email = self._compose(message)
        with self._lock:
            kept = self._smtp is not None
            try:
                try:
                    self._deliver(email)
                except smtplib.SMTPServerDisconnected:
                    if not kept:
                        raise
                    # The kept connection was closed by the server since the last message (its
                    # idle timeout, a restart): that shows at the first command, before anything
                    # of this message was accepted, so it is sent once more on a new connection.
                    self._drop()
                    self._deliver(email)
            except smtplib.SMTPRecipientsRefused as exc:
                self._reset()
                code, said = next(iter(exc.recipients.values()), (550, b""))
                raise _refused("the recipient was refused", code, said) from None
            except smtplib.SMTPResponseException as exc:
                # Refused sender, message, login or TLS: the connection may be half-way through a
                # transaction, so it is reset before the next message.
                self._reset()
                raise _refused(
                    "the server refused the message", exc.smtp_code, exc.smtp_error
                ) from None
            except (smtplib.SMTPException, OSError) as exc:
                self._drop()
                raise ChannelError(
                    f"the SMTP server is unreachable ({type(exc).__name__})", retryable=True
                ) from None
        return Sent(provider_id=email["Message-ID"], delivered=True, detail="SMTP accepted")

    def close(self) -> None:
        with self._lock:
            if self._smtp is not None:
                with contextlib.suppress(smtplib.SMTPException, OSError):  # closing anyway
                    self._smtp.quit()
            self._drop()

    def _compose(self, message: Outgoing) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject or ""
        email["Date"] = format_datetime(clock.now())
        email["Message-ID"] = make_msgid(
            idstring=str(message.message_id), domain=_domain(self.sender)
        )
        # Which outbox message this is, for a bounce or a complaint that quotes the headers.
        email["X-QuarterHour-Message"] = str(message.message_id)
        email["X-QuarterHour-Kind"] = message.kind
        email.set_content(message.body)  # UTF-8 whenever the text is not plain ASCII
        return email

    def _deliver(self, email: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        self._smtp.send_message(email)

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user and self.password:
                smtp.login(self.user, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _reset(self) -> None:
        if self._smtp is None:
            return
        try:
            self._smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None


def _refused(what: str, code: int, said: bytes | str) -> ChannelError:
    text = said.decode("utf-8", "replace") if isinstance(said, bytes) else said
    # Servers quote the address they refuse ("<a@b.cn>: Recipient address rejected").
    text = masking.mask_text(_ADDRESS.sub("<address>", text))[:200]
    return ChannelError(f"{what}: {code} {text}".rstrip(), retryable=not 500 <= code < 600)


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip(">") or "quarterhour.local"
