"""Personal data masked on the server (PIPL): lists, exports, logs and public answers never carry it whole."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, Literal

from quarterhour.kit.id_card import sex_of

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


# 复姓 common enough to meet on a call; any other name's surname is its first character.
_COMPOUNDS = (
    "欧阳司马上官诸葛东方皇甫尉迟公孙慕容长孙宇文司徒夏侯轩辕令狐钟离端木"
    "独孤南宫西门百里呼延万俟闻人澹台公羊赫连申屠太史司空濮阳单于"
)
_COMPOUND_SURNAMES = frozenset(_COMPOUNDS[i : i + 2] for i in range(0, len(_COMPOUNDS), 2))
_PERSON_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
# A caller who gave only a surname and a title (袁女士, 唐老先生).
_TITLED_NAME = re.compile(r"^([\u4e00-\u9fff]{1,2})(女士|先生)$")
Title = Literal["ms", "mr"]


def salutation(name: str | None, id_number: str | None) -> tuple[str, Title] | None:
    """How staff address a caller: (surname, 'ms' | 'mr') — 刘女士, 刘先生 — from a person's
    name and the sex their ID number records, or from a name given as surname and title; None
    when the record does not say (an organisation, no or a malformed ID number), and the masked
    name is shown instead. Tells no more than the masked name does but the title."""
    if not name:
        return None
    name = name.strip()
    titled = _TITLED_NAME.match(name)
    if titled:
        return titled.group(1), "ms" if titled.group(2) == "女士" else "mr"
    sex = sex_of(id_number)
    if sex is None or not _PERSON_NAME.match(name):
        return None
    surname = name[:2] if len(name) >= 3 and name[:2] in _COMPOUND_SURNAMES else name[0]
    return surname, "ms" if sex == "f" else "mr"


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


# Every whole phone or ID number has a run of at least seven digits: a line without one (nearly
# every line) is left as it is after one search.
_DIGIT_RUN = re.compile(r"\d{7}")
_TRACEBACKS = logging.Formatter()


def mask_record(record: logging.LogRecord) -> None:
    """Masks a log record in place, keeping its shape so that every formatter still works.

    Each text argument is masked where it stands (uvicorn's access formatter unpacks its five
    arguments; a mapping stays a mapping); if the line still carries a number after that (a phone
    logged with %d, an object whose text holds one), the masked line replaces message and
    arguments. The exception's traceback is formatted once, masked, and kept as `exc_text`,
    which every standard formatter prints instead of formatting `exc_info` again; the stack
    (`stack_info`) is masked too.
    """
    try:
        message = record.getMessage()
    except Exception:  # the caller's own format mistake: logging reports it as it would
        message = None
    if message is not None and _DIGIT_RUN.search(message):
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _masked(arg) for key, arg in record.args.items()}
        try:
            shaped = record.getMessage()
        except Exception:  # a masked argument no longer fits its %d: keep the masked line
            shaped = None
        if shaped is None or mask_text(shaped) != shaped:
            record.msg, record.args = mask_text(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = _TRACEBACKS.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)


def _masked(arg: object) -> object:
    return mask_text(arg) if isinstance(arg, str) else arg


class MaskingFilter(logging.Filter):
    """For a handler that receives records made elsewhere (`logging.makeLogRecord`); records made
    in this process are masked as they are made (`install_log_masking`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        return True


def install_log_masking() -> None:
    """Masks every log record this process makes, as it is made: whichever logger and handler
    carry it (uvicorn's own, which do not propagate, handlers configured later, Python's last
    resort for loggers without one), none can see it whole. Installing twice changes nothing."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_personal_data", False):
        return

    def masked_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        mask_record(record)
        return record

    masked_record.masks_personal_data = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked_record)
