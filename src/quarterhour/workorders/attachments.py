"""Attachments of a work order's steps (site photos, scanned forms): checked, stored by content,
and named in the step's event (name, type, size, SHA-256), so the history says what was attached.

Files live under `Settings.attachments_dir`, one per content (`ab/abcdef…`): the same photo sent
twice is stored once, and a file written for a step whose database write then failed is only an
unreferenced file, never a reference to nothing. The type is taken from the file's first bytes,
not from what the browser claims, and only the types staff need are accepted.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from quarterhour.errors import NotFound, ValidationFailed
from quarterhour.workorders.models import OrderEvent
from quarterhour.workorders.schemas import (
    MAX_ATTACHMENT_BYTES,
    ActionIn,
    AttachmentMeta,
    StepWithFiles,
)

MAX_PER_STEP = 10
# Photos from a phone, scanned forms: what their first bytes look like.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
ALLOWED = ("image/jpeg", "image/png", "image/webp", "application/pdf")


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def sniff(data: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check(uploads: list[Upload], *, field: str = "attachments") -> None:
    if len(uploads) > MAX_PER_STEP:
        raise ValidationFailed(f"at most {MAX_PER_STEP} files per step", field=field)
    for upload in uploads:
        if not upload.data:
            raise ValidationFailed(f"{upload.name}: the file is empty", field=field)
        if len(upload.data) > MAX_ATTACHMENT_BYTES:
            raise ValidationFailed(
                f"{upload.name}: larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MiB",
                field=field,
            )
        if sniff(upload.data) is None:
            raise ValidationFailed(
                f"{upload.name}: only photos (JPEG, PNG, WebP) and PDF scans are accepted",
                field=field,
            )


def store(root: Path, uploads: list[Upload]) -> list[AttachmentMeta]:
    """Check and write the files; their metadata for the step's event."""
    check(uploads)
    out = []
    for upload in uploads:
        digest = hashlib.sha256(upload.data).hexdigest()
        path = _path(root, digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Written aside and renamed: a reader never sees half a file.
            with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as part:
                part.write(upload.data)
            os.replace(part.name, path)
        out.append(
            AttachmentMeta(
                name=Path(upload.name).name[:200] or "file",
                content_type=sniff(upload.data) or "application/octet-stream",
                size=len(upload.data),
                sha256=digest,
            )
        )
    return out


def attach(root: Path, step: ActionIn, uploads: list[Upload]) -> StepWithFiles:
    """The step with these files stored and described by their own bytes."""
    return StepWithFiles(**step.model_dump(exclude_unset=True), attachments=store(root, uploads))


def find(session: Session, root: Path, order_id: int, digest: str) -> tuple[Path, AttachmentMeta]:
    """A file attached to one of this order's steps (and only then): its path and metadata."""
    for data in session.scalars(
        select(OrderEvent.data).where(OrderEvent.order_id == order_id, OrderEvent.data.is_not(None))
    ):
        for meta in (data or {}).get("attachments", []):
            if meta.get("sha256") == digest:
                path = _path(root, digest)
                if not path.exists():
                    break
                return path, AttachmentMeta.model_validate(meta)
    raise NotFound("no such attachment on this order", field="sha256")


def _path(root: Path, digest: str) -> Path:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise NotFound("no such attachment", field="sha256")
    return root / digest[:2] / digest
