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
    # When the workers' deadline sweep runs (warnings and escalations): a cron expression in
    # Shanghai time. run_background_sweep=False turns every schedule off (the sweep, the
    # nightly housekeeping): the tests run them by hand.
    sweep_cron: str = "* * * * *"
    run_background_sweep: bool = True
    # The background jobs (jobs/, `quarterhour worker`). A worker holds a job for this long and
    # renews it every third of it; a worker that died is replaced once its lease has run out.
    job_lease_seconds: int = 120
    # How long an idle worker waits before it looks at the queue again.
    worker_poll_seconds: float = 1.0
    # Whether the web server runs a worker on a thread of its own: None runs one on SQLite (the
    # embedded demo, one command) and none on PostgreSQL, where `quarterhour worker` runs them.
    embedded_worker: bool | None = None
    # At shutdown, how long a worker waits for its running job to stop at its next step.
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
    # Notification channels (notifications/channels.py): a channel whose settings are unset is not
    # configured, and messages for it wait in the outbox.
    sms_gateway_url: str | None = None
    sms_gateway_key: str | None = None
    sms_sender_name: str = "供电一刻钟"
    # The demo's own SMS gateway: the sandbox (notifications/sandbox_gateway.py) mounted at
    # /sandbox/sms of this server, its texts on the console's 演示手机 page, its callbacks to
    # public_base_url. `quarterhour demo` turns it on when no gateway is configured.
    sms_sandbox: bool = False
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "noreply@quarterhour.local"
    smtp_starttls: bool = False
    # Messages to customers (notifications/): none but urgent ones are sent inside the quiet
    # hours (Shanghai time; the span may wrap midnight), and no number gets more than the
    # hourly limit of the others.
    notification_quiet_start: str = "21:00"
    notification_quiet_end: str = "08:00"
    notification_hourly_limit: int = 5
    # Messages a worker's sender has in flight at once on a channel that allows it (SMS,
    # webhooks): a gateway answering in 4 ms takes one sender 250 a second, several 8 times that.
    sender_concurrency: int = 8
    # The status link in messages to customers.
    public_base_url: str = "http://127.0.0.1:8000"
    # The follow-up's satisfaction survey goes by SMS with the reply (回复1满意 2基本满意 3不满意)
    # and waits this long for the answer; without one, the follow-up agents call as before.
    follow_up_by_sms: bool = True
    sms_survey_hours: int = 24
    # Arrears (billing/customer_notices.py, daily at 09:00): a reminder once a bill is past its
    # due date; a disconnection notice once one is this many days past it, naming a day this
    # many days after the notice.
    disconnection_after_days: int = 30
    disconnection_notice_days: int = 7

    def runs_embedded_worker(self) -> bool:
        if self.embedded_worker is not None:
            return self.embedded_worker
        return self.database_url.startswith("sqlite")

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
        if cron := env.get("QUARTERHOUR_SWEEP_CRON"):
            values["sweep_cron"] = cron
        if lease := env.get("QUARTERHOUR_JOB_LEASE_SECONDS"):
            values["job_lease_seconds"] = int(lease)
        if poll := env.get("QUARTERHOUR_WORKER_POLL_SECONDS"):
            values["worker_poll_seconds"] = float(poll)
        if (embedded := env.get("QUARTERHOUR_EMBEDDED_WORKER")) is not None:
            values["embedded_worker"] = embedded.lower() not in {"", "0", "false", "no", "off"}
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
        for name in (
            "sms_gateway_url",
            "sms_gateway_key",
            "sms_sender_name",
            "smtp_host",
            "smtp_user",
            "smtp_password",
            "smtp_from",
        ):
            if text := env.get(f"QUARTERHOUR_{name.upper()}"):
                values[name] = text
        if smtp_port := env.get("QUARTERHOUR_SMTP_PORT"):
            values["smtp_port"] = int(smtp_port)
        if (sandbox := env.get("QUARTERHOUR_SMS_SANDBOX")) is not None:
            values["sms_sandbox"] = sandbox.lower() not in {"", "0", "false", "no", "off"}
        if (starttls := env.get("QUARTERHOUR_SMTP_STARTTLS")) is not None:
            values["smtp_starttls"] = starttls.lower() not in {"", "0", "false", "no", "off"}
        if quiet_start := env.get("QUARTERHOUR_NOTIFICATION_QUIET_START"):
            values["notification_quiet_start"] = quiet_start
        if quiet_end := env.get("QUARTERHOUR_NOTIFICATION_QUIET_END"):
            values["notification_quiet_end"] = quiet_end
        if hourly := env.get("QUARTERHOUR_NOTIFICATION_HOURLY_LIMIT"):
            values["notification_hourly_limit"] = int(hourly)
        if concurrency := env.get("QUARTERHOUR_SENDER_CONCURRENCY"):
            values["sender_concurrency"] = max(1, int(concurrency))
        if public := env.get("QUARTERHOUR_PUBLIC_BASE_URL"):
            values["public_base_url"] = public.rstrip("/")
        if (by_sms := env.get("QUARTERHOUR_FOLLOW_UP_BY_SMS")) is not None:
            values["follow_up_by_sms"] = by_sms.lower() not in {"", "0", "false", "no", "off"}
        if survey_hours := env.get("QUARTERHOUR_SMS_SURVEY_HOURS"):
            values["sms_survey_hours"] = int(survey_hours)
        if after := env.get("QUARTERHOUR_DISCONNECTION_AFTER_DAYS"):
            values["disconnection_after_days"] = int(after)
        if notice := env.get("QUARTERHOUR_DISCONNECTION_NOTICE_DAYS"):
            values["disconnection_notice_days"] = int(notice)
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
