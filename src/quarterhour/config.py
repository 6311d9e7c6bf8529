"""Settings, read from the environment by the app and CLI factories (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from quarterhour.kit import callers


def _default_database_url() -> str:
    return f"sqlite:///{Path.cwd() / 'quarterhour.db'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    # Bearer tokens and console sessions expire: a shift is at most 12 hours.
    token_ttl_minutes: int = 12 * 60
    # A console session also ends after this long without a page (an unattended desk).
    console_idle_minutes: int = 120
    # How long a worker process trusts a token it has checked before asking the database again;
    # a logout or disabled account reaches the other workers within this time. 0: ask every time.
    token_cache_seconds: float = 30
    # How often the server's background sweep runs (warnings and escalations).
    sweep_interval_seconds: int = 60
    run_background_sweep: bool = True
    # At shutdown, how long the server waits for its running jobs to stop at their next step.
    job_stop_seconds: float = 30
    # Warn this long before a deadline, as a share of its whole span (at least the floor).
    warn_fraction: float = 0.2
    warn_floor_minutes: int = 15
    # A time staff type in for a step (a crew's arrival entered after the fact) counts for the
    # deadlines only when entered within this many minutes of the time it claims; an older claim
    # is kept and shown as such, and the deadline is met when it was entered (moves._when).
    claimed_time_tolerance_minutes: int = 30
    # Unreachable follow-up after this many failed attempts (PRODUCT.md: "unreachable after N tries").
    follow_up_max_attempts: int = 3
    # Failed logins allowed per username and per address within the window before 429.
    login_failure_limit: int = 10
    login_failure_window_seconds: int = 900
    # Public lookups: failures allowed per caller per window before 429.
    public_lookup_limit: int = 10
    public_lookup_window_seconds: int = 300
    # ... and per account number (bill line) or order number (status), whoever asks: the last
    # four digits of a phone are 10,000 guesses, so a number that failed this often within the
    # window is refused for the lock's time, even the right answer (throttle/budget.py).
    lookup_failure_limit: int = 5
    lookup_failure_window_seconds: int = 900
    lookup_lock_seconds: int = 900
    # Proxies whose X-Forwarded-For is believed (addresses or CIDR blocks); none by default.
    trusted_proxies: tuple[str, ...] = ()
    # A bill falls due this many days after its period ends; late fees count from the day after.
    bill_due_days: int = 20
    # A month's consumption above this multiple of the account's usual (mean of up to 12
    # earlier bills) is held for review instead of billed.
    implausible_factor: int = 10
    # Late fees are versioned rules with their sources, stored like tariffs (billing/late_fees.py).
    argon2_time_cost: int = 2
    argon2_memory_cost: int = 19 * 1024
    log_sql: bool = False
    # Where photos and scans attached to work-order steps are kept (workorders/attachments.py).
    attachments_dir: Path = Path("quarterhour-files")
    # Request bodies (entrypoints/perimeter.py): larger ones are answered 413 before they are
    # read. Uploads (a file to import, a step's photos and scans) have their own limit.
    max_body_bytes: int = 1024 * 1024
    max_upload_bytes: int = 100 * 1024 * 1024
    # Behind a TLS proxy: the console's cookies are sent over HTTPS only.
    secure_cookies: bool = False
    # Refuse a request's write that no permission check came before (access.permissions).
    checked_writes: bool = True
    # Messages to customers (notifications/): none but urgent ones are sent inside the quiet
    # hours (Shanghai time; the span may wrap midnight), and no number gets more than the
    # hourly limit of the others.
    notification_quiet_start: str = "21:00"
    notification_quiet_end: str = "08:00"
    notification_hourly_limit: int = 5
    # The status link in messages to customers.
    public_base_url: str = "http://127.0.0.1:8000"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {}
        if url := env.get("QUARTERHOUR_DATABASE_URL"):
            values["database_url"] = url
        if ttl := env.get("QUARTERHOUR_TOKEN_TTL_MINUTES"):
            values["token_ttl_minutes"] = int(ttl)
        if logins := env.get("QUARTERHOUR_LOGIN_FAILURE_LIMIT"):
            values["login_failure_limit"] = int(logins)
        if lookups := env.get("QUARTERHOUR_LOOKUP_FAILURE_LIMIT"):
            values["lookup_failure_limit"] = int(lookups)
        if lock := env.get("QUARTERHOUR_LOOKUP_LOCK_MINUTES"):
            values["lookup_lock_seconds"] = int(lock) * 60
        if proxies := env.get("QUARTERHOUR_TRUSTED_PROXIES"):
            values["trusted_proxies"] = callers.parse_proxies(proxies)
        if idle := env.get("QUARTERHOUR_CONSOLE_IDLE_MINUTES"):
            values["console_idle_minutes"] = int(idle)
        if (cache := env.get("QUARTERHOUR_TOKEN_CACHE_SECONDS")) is not None:
            values["token_cache_seconds"] = float(cache)
        if interval := env.get("QUARTERHOUR_SWEEP_INTERVAL_SECONDS"):
            values["sweep_interval_seconds"] = int(interval)
        if (sweep := env.get("QUARTERHOUR_BACKGROUND_SWEEP")) is not None:
            values["run_background_sweep"] = sweep.lower() not in {"0", "false", "no", "off"}
        if attempts := env.get("QUARTERHOUR_FOLLOW_UP_MAX_ATTEMPTS"):
            values["follow_up_max_attempts"] = int(attempts)
        if tolerance := env.get("QUARTERHOUR_CLAIMED_TIME_TOLERANCE_MINUTES"):
            values["claimed_time_tolerance_minutes"] = int(tolerance)
        if files := env.get("QUARTERHOUR_ATTACHMENTS_DIR"):
            values["attachments_dir"] = Path(files)
        if body := env.get("QUARTERHOUR_MAX_BODY_BYTES"):
            values["max_body_bytes"] = int(body)
        if upload := env.get("QUARTERHOUR_MAX_UPLOAD_BYTES"):
            values["max_upload_bytes"] = int(upload)
        if (checked := env.get("QUARTERHOUR_CHECKED_WRITES")) is not None:
            values["checked_writes"] = checked.lower() not in {"", "0", "false", "no", "off"}
        if (secure := env.get("QUARTERHOUR_SECURE_COOKIES")) is not None:
            values["secure_cookies"] = secure.lower() not in {"", "0", "false", "no", "off"}
        if env.get("QUARTERHOUR_LOG_SQL"):
            values["log_sql"] = True
        if quiet_start := env.get("QUARTERHOUR_NOTIFICATION_QUIET_START"):
            values["notification_quiet_start"] = quiet_start
        if quiet_end := env.get("QUARTERHOUR_NOTIFICATION_QUIET_END"):
            values["notification_quiet_end"] = quiet_end
        if hourly := env.get("QUARTERHOUR_NOTIFICATION_HOURLY_LIMIT"):
            values["notification_hourly_limit"] = int(hourly)
        if public := env.get("QUARTERHOUR_PUBLIC_BASE_URL"):
            values["public_base_url"] = public.rstrip("/")
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
