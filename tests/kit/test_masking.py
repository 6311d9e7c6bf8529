from __future__ import annotations

import logging
import sys

import pytest

from quarterhour.kit.masking import (
    MaskingFilter,
    install_log_masking,
    last_four,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
    salutation,
)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13912345678", "139****5678"),
        ("139-1234-5678", "139****5678"),
        ("0551-62345678", "0551****5678"),
        ("62345678", "****5678"),
        ("123", "****"),
        (None, None),
    ],
)
def test_mask_phone(phone: str | None, masked: str | None) -> None:
    assert mask_phone(phone) == masked


def test_mask_id_number_keeps_region_and_check_digit() -> None:
    assert mask_id_number("34010419231109123X") == "340104********123X"


MAN = "340104198001011234"  # the 17th digit odd, the check digit right
WOMAN = "340104198001011242"


@pytest.mark.parametrize(
    ("name", "id_number", "said"),
    [
        ("刘德华", MAN, ("刘", "mr")),
        ("刘晓燕", WOMAN, ("刘", "ms")),
        ("欧阳娜娜", WOMAN, ("欧阳", "ms")),
        ("欧阳", MAN, ("欧", "mr")),  # two characters: a surname and a given name
        ("袁女士", None, ("袁", "ms")),  # given so on the call
        ("唐老先生", None, ("唐老", "mr")),
        ("刘晓燕", None, None),  # nothing says which
        ("刘晓燕", "340104198001011243", None),  # a wrong check digit says nothing
        ("刘德华", "340104800101123", ("刘", "mr")),  # the old 15 digits: the last one
        ("刘德华", "340104198013011234", None),  # no 13th month
        ("刘晓燕", "91340100MA2XYZ123", None),  # an organisation's credit code
        ("合肥市包河区望湖城物业管理有限公司", MAN, None),  # not a person's name
        ("Li Wei", MAN, None),
        ("", MAN, None),
        (None, None, None),
    ],
)
def test_salutation_from_the_name_and_the_id_numbers_sex_digit(
    name: str | None, id_number: str | None, said: tuple[str, str] | None
) -> None:
    assert salutation(name, id_number) == said


def test_mask_name() -> None:
    assert mask_name("唐邦铮") == "唐**"
    assert mask_name("袁") == "袁*"


def test_mask_text_masks_phones_and_ids_inside_free_text() -> None:
    text = "客户13855123456来电，身份证34010419231109123X，座机0551-62345678"
    masked = mask_text(text)
    assert "13855123456" not in masked
    assert "138****3456" in masked
    assert "34010419231109123X" not in masked
    assert "62345678" not in masked


def test_last_four() -> None:
    assert last_four("139-1234-5678") == "5678"
    assert last_four("12") is None


def test_log_filter_masks_arguments(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("quarterhour.test-masking")
    logger.addFilter(MaskingFilter())
    with caplog.at_level(logging.INFO, logger="quarterhour.test-masking"):
        logger.info("GET /api/v1/customers?phone=%s", "13912345678")
    assert "13912345678" not in caplog.text
    assert "139****5678" in caplog.text


def _record(msg: str, args: object, **extra: object) -> logging.LogRecord:
    return logging.getLogger("quarterhour.test-masking").makeRecord(
        "quarterhour.test-masking", logging.INFO, __file__, 1, msg, args, None, **extra
    )


def test_an_access_line_keeps_its_five_arguments_for_uvicorns_formatter() -> None:
    from uvicorn.logging import AccessFormatter

    # As uvicorn's access logger makes it: client, method, path with query, version, status.
    record = _record(
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/api/v1/customers?phone=13855123456", "1.1", 200),
    )
    MaskingFilter().filter(record)
    assert isinstance(record.args, tuple) and len(record.args) == 5
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert line == '127.0.0.1:5000 - "GET /api/v1/customers?phone=138****3456 HTTP/1.1" 200 OK'


def test_arguments_keep_their_shape_and_numbers_their_format() -> None:
    mapping = _record("%(who)s rang %(count)d times", ({"who": "13855123456", "count": 3},))
    MaskingFilter().filter(mapping)
    assert mapping.args == {"who": "138****3456", "count": 3}
    assert mapping.getMessage() == "138****3456 rang 3 times"
    number = _record("caller %d", (13855123456,))  # a phone as a number: the line is masked
    MaskingFilter().filter(number)
    assert number.getMessage() == "caller 138****3456"
    an_object = _record("customer %s", ({"name": "袁女士", "phone": "13855123456"},))
    MaskingFilter().filter(an_object)
    assert an_object.getMessage() == "customer {'name': '袁女士', 'phone': '138****3456'}"
    plain = _record("order %s moved", ("Q-2026-000001",))
    MaskingFilter().filter(plain)
    assert plain.args == ("Q-2026-000001",)  # nothing to mask: untouched


def test_tracebacks_and_stacks_are_masked_and_kept() -> None:
    try:
        raise ValueError("no district for {'phone': '13855123456', 'id': '340104198001010012'}")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "intake failed",
            (),
            sys.exc_info(),
            sinfo="13855123456",
        )
    MaskingFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "Traceback (most recent call last)" in text
    assert (
        "ValueError: no district for {'phone': '138****3456', 'id': '340104********0012'}" in text
    )
    assert "13855123456" not in text and "340104198001010012" not in text


def test_installed_masking_reaches_every_handler(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    previous = logging.getLogRecordFactory()
    try:
        logging.setLogRecordFactory(logging.LogRecord)  # as a process starts
        install_log_masking()
        installed = logging.getLogRecordFactory()
        install_log_masking()  # twice: once
        assert logging.getLogRecordFactory() is installed is not logging.LogRecord
        # A logger with its own handler that does not propagate (like uvicorn's), and one
        # without a handler, whose lines go to the root's (here pytest's) or the last resort.
        own = logging.getLogger("test-masking-own")
        own.propagate = False
        own.addHandler(logging.StreamHandler(sys.stderr))
        own.warning("caller %s", "13855123456")
        logging.getLogger("test-masking-none").warning("caller %s", "13955123456")
        try:
            raise RuntimeError("13655123456")
        except RuntimeError:
            own.exception("failed")
    finally:
        logging.setLogRecordFactory(previous)
        logging.getLogger("test-masking-own").handlers.clear()
    written = capsys.readouterr().err
    assert "caller 138****3456" in written and "RuntimeError: 136****3456" in written
    assert "caller 139****3456" in caplog.text
    for phone in ("13855123456", "13955123456", "13655123456"):
        assert phone not in written + caplog.text
