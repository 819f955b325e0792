"""Typed settings (配置). Every setting has its help text beside its default (the Datasette habit).

Environment variables use the ``CHENGXIN_`` prefix, e.g. ``CHENGXIN_DATABASE_URL``.
``docs/operations.md`` lists them all; ``tests/test_docs.py`` fails when one is undocumented.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from chengxin.db import PoolSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHENGXIN_", env_file=".env", extra="ignore")

    var_dir: Path = Field(
        Path("var"),
        description="Folder for the embedded SQLite database, generated keys and import reports.",
    )
    database_url: str = Field(
        "",
        description="SQLAlchemy URL. Empty means an SQLite file `<var_dir>/chengxin.db`; "
        "production uses PostgreSQL, e.g. postgresql+psycopg://user:pw@host/chengxin.",
    )
    pii_key: str = Field(
        "",
        description="Base64 of 32 random bytes: master key for personal data at rest (AES-GCM) "
        "and for the keyed blind index. Empty means a key file `<var_dir>/pii.key` is created "
        "on first use (fine for a demo, never for production).",
    )
    session_days: int = Field(7, description="Lifetime of a web login session in days.")
    secure_cookies: bool = Field(False, description="Mark session cookies Secure (set true behind HTTPS).")
    log_level: str = Field("INFO", description="Log level for structured logs.")
    log_json: bool = Field(False, description="Write logs as JSON lines instead of console text.")
    identity_verifier: str = Field(
        "local_registry",
        description="Identity verifier implementation: `local_registry` (the imported "
        "authoritative registry) or `fake` (tests).",
    )
    verify_on_create: bool = Field(True, description="Run identity verification when a subject is created.")
    workers: int = Field(
        1,
        description="Server worker processes for `chengxin serve`; 0 means one per CPU core. One is "
        "fastest when the database and other services share the machine's cores.",
    )
    db_pool_size: int = Field(20, description="Database connections each process keeps open.")
    db_pool_overflow: int = Field(30, description="Extra connections a process may open in bursts.")
    db_pool_timeout: float = Field(10.0, description="Seconds a request waits for a free connection.")
    import_batch_size: int = Field(
        2000, description="Rows per transaction in file imports (a re-run resumes idempotently)."
    )
    search_limit_max: int = Field(100, description="Largest page size a search may ask for.")
    attachment_max_bytes: int = Field(
        10 * 1024 * 1024, ge=1024, description="Largest attachment (objection and repair materials) accepted, in bytes."
    )
    attachment_store: str = Field(
        "local",
        description="Where attachments are kept: `local` (files under `<var_dir>/attachments`) or `memory` "
        "(tests only: lost when the process ends).",
    )
    jobs_enabled: bool = Field(
        True,
        description="Run the daily jobs (publicity expiry …) inside `chengxin serve`; false when cron runs "
        "`chengxin jobs run` instead.",
    )
    jobs_interval_s: int = Field(3600, ge=10, description="Seconds between the server's checks for due daily jobs.")
    spark_master: str = Field(
        "local[2]", description="Spark master for `--engine spark` (`local[N]` runs Spark inside the process's JVM)."
    )
    spark_driver_memory: str = Field(
        "6g",
        description="Spark's driver memory (`spark.driver.memory`); in local mode the driver is the executor: "
        "detection on 1M orders needs about 6g (2g fails with TaskResultLost).",
    )
    metrics_public: bool = Field(False, description="Serve /metrics without a token (only on a private network).")
    query_retention_years: int = Field(
        5, ge=1, description="Years query records (查询登记) are kept; the `queries.retention` job deletes older ones."
    )
    public_query_rate: int = Field(
        30,
        ge=1,
        description="Public queries (`/api/v1/queries/public`) one client (token or address) may make per "
        "minute in each server process; more get 429 with Retry-After.",
    )
    public_report_rate: int = Field(
        5,
        ge=1,
        description="Credit reports (`POST /api/v1/reports`) one anonymous or public client (token or "
        "address) may make per minute in each server process; more get 429 with Retry-After.",
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        description="The site's public address, for links printed on documents (the "
        "credit report's QR code points to `<public_base_url>/reports/verify/<number>`).",
    )
    report_signing_key: str = Field(
        "",
        description="Base64 of a 32-byte Ed25519 private key signing credit reports. Empty means a key file "
        "`<var_dir>/report-signing.key` is created on first use (fine for a demo, never for production).",
    )

    def pool(self) -> PoolSettings:
        from chengxin.db import PoolSettings  # lazily: settings load without SQLAlchemy

        return PoolSettings(self.db_pool_size, self.db_pool_overflow, self.db_pool_timeout)

    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'chengxin.db').as_posix()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
