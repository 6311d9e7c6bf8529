from __future__ import annotations

import logging

import pytest

from quarterhour.kit.masking import (
    MaskingFilter,
    last_four,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
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
