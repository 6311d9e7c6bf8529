"""Personal data masked on the server (PIPL): lists, exports, logs and public answers never carry it whole."""

from __future__ import annotations

import logging
import re

_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_RE = re.compile(r"(?<![\dA-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![\dA-Za-z])")
_LANDLINE_RE = re.compile(r"(?<!\d)(0\d{2,3}-?)(\d{3,4})(\d{4})(?!\d)")


def mask_phone(phone: str | None) -> str | None:
    """139****5678 for mobiles; landlines keep area code and last four."""
    if phone is None:
        return None
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{digits[:-8] if len(digits) > 8 else ''}****{digits[-4:]}"
    if len(digits) >= 4:
        return "****" + digits[-4:]
    return "****"


def mask_id_number(id_number: str | None) -> str | None:
    """Keep the region prefix and the check digit: 340104********123X."""
    if id_number is None:
        return None
    if len(id_number) == 18:
        return f"{id_number[:6]}********{id_number[-4:]}"
    return "*" * max(len(id_number) - 4, 0) + id_number[-4:]


def mask_name(name: str | None) -> str | None:
    """唐邦铮 → 唐**; Latin names keep the initial."""
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_text(text: str) -> str:
    """Masks any phone or ID number inside free text (notes, log lines)."""
    text = _ID_RE.sub(lambda m: f"{m.group(1)}********{m.group(3)}", text)
    text = _PHONE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE_RE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def last_four(phone: str | None) -> str | None:
    if phone is None:
        return None
    digits = re.sub(r"\D", "", phone)
    return digits[-4:] if len(digits) >= 4 else None


class MaskingFilter(logging.Filter):
    """Installed on the root handlers so no log line carries a whole phone or ID number."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True
