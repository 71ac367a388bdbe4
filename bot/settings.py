"""Settings read from the environment (SPEC.md, Configuration)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def default_data_dir() -> Path:
    """Folder for the default SQLite file: ./data under the working directory."""
    return Path.cwd() / "data"


def _positive_days(value: str | None, default: int = 365) -> int:
    from bot.failures import ConfigurationError

    if value is None:
        return default
    if not value.isdecimal() or int(value) < 1:
        raise ConfigurationError(
            f"DXBOT_QUESTION_LOG_DAYS は 1 以上の日数で指定してください（「{value}」は使えません。既定は {default}）。"
        )
    return int(value)


@dataclass(frozen=True)
class Settings:
    database_url: str
    kb_path: Path | None = None
    directory_path: Path | None = None
    digest_channel: str | None = None
    tz: str = "Asia/Tokyo"
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # Where built knowledge-base indexes are cached (knowledge/index_cache.py); None: no cache.
    index_cache_dir: Path | None = None
    # Microsoft Teams (SPEC.md "Microsoft Teams"): the Azure bot registration, single tenant.
    teams_app_id: str | None = None
    teams_app_password: str | None = field(default=None, repr=False)
    teams_tenant_id: str | None = None
    # Local tests against a fake connector only: requests without a token are accepted (a warning says so).
    teams_allow_anonymous: bool = False
    # DXBOT_AUTO_MIGRATE=0: start only checks the schema; the operator runs `dxbot db upgrade`.
    auto_migrate: bool = True
    # Questions asked (and feedback) older than this are purged daily: they hold personal data.
    question_log_days: int = 365

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token)

    @property
    def teams_configured(self) -> bool:
        return bool(self.teams_app_id)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def opt(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        database_url = opt("DXBOT_DATABASE_URL")
        if database_url is None:
            database_url = f"sqlite:///{default_data_dir() / 'dxbot.sqlite3'}"
        kb = opt("DXBOT_KB_PATH")
        directory = opt("DXBOT_DIRECTORY")
        return cls(
            database_url=database_url,
            kb_path=Path(kb) if kb else None,
            directory_path=Path(directory) if directory else None,
            digest_channel=opt("DXBOT_DIGEST_CHANNEL"),
            tz=opt("DXBOT_TZ") or "Asia/Tokyo",
            slack_bot_token=opt("SLACK_BOT_TOKEN"),
            slack_signing_secret=opt("SLACK_SIGNING_SECRET"),
            slack_app_token=opt("SLACK_APP_TOKEN"),
            slack_api_url=opt("SLACK_API_URL") or DEFAULT_SLACK_API_URL,
            index_cache_dir=Path(opt("DXBOT_INDEX_CACHE_DIR") or default_data_dir() / "index-cache"),
            teams_app_id=opt("TEAMS_APP_ID"),
            teams_app_password=opt("TEAMS_APP_PASSWORD"),
            teams_tenant_id=opt("TEAMS_TENANT_ID"),
            teams_allow_anonymous=(opt("TEAMS_ALLOW_ANONYMOUS") or "0").lower() not in FALSE_WORDS,
            auto_migrate=(opt("DXBOT_AUTO_MIGRATE") or "1").lower() not in FALSE_WORDS,
            question_log_days=_positive_days(opt("DXBOT_QUESTION_LOG_DAYS")),
        )
