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
    # DXBOT_AUTO_MIGRATE=0: start only checks the schema; the operator runs `dxbot db upgrade`.
    auto_migrate: bool = True

    @property
    def slack_configured(self) -> bool:
        return bool(self.slack_bot_token)

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
            auto_migrate=(opt("DXBOT_AUTO_MIGRATE") or "1").lower() not in FALSE_WORDS,
        )
