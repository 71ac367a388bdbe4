"""Expected failures of a CLI command, as the one Japanese line the operator sees (no traceback).

An unreadable knowledge base also lists its problems first, one `file:line: message` each, as `kb check` does.

A broken configuration (a URL that is not one, a database that does not answer, a missing directory file,
an unreadable knowledge base) is the operator's to fix, not a bug: the line says what is wrong and where to
look. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from pathlib import Path


class ConfigurationError(Exception):
    """A setting points at something unusable; the message is the operator's one Japanese line."""


def check_configured_files(directory_path: Path | None) -> None:
    """Refuse to start on a DXBOT_DIRECTORY that does not exist (a file with mistakes is reported and skipped)."""
    if directory_path is not None and not directory_path.is_file():
        raise ConfigurationError(
            f"DXBOT_DIRECTORY の職員名簿が見つかりません: {directory_path}。パスを直すか、設定を外してください。"
        )


def _masked(database_url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return "（URL として読めません）"


def expected_failure_message(error: BaseException, database_url: str) -> str | None:
    """The operator's message for an expected failure, or None for a bug (which keeps its traceback)."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from bot.errors import is_storage_outage
    from knowledge.kb import KnowledgeBaseError
    from storage.schema import SchemaError

    if isinstance(error, SchemaError | ConfigurationError):
        return str(error)
    if isinstance(error, KnowledgeBaseError):  # each problem as `file:line: message` (as kb check), then what to do
        return f"{error}\n知識ベースを読み込めません。上の行を直してから、もう一度実行してください（dxbot kb check で確かめられます）。"
    if isinstance(error, NoSuchModuleError | ArgumentError):
        return (
            f"DXBOT_DATABASE_URL を読めません（{_masked(database_url)}）。"
            "例: postgresql+psycopg://ユーザー:パスワード@ホスト/dxbot、sqlite:///data/dxbot.sqlite3"
        )
    if is_storage_outage(error):
        return (
            f"データベースに接続できません（{_masked(database_url)}）。"
            "データベースが動いているか、DXBOT_DATABASE_URL のホスト・ポート・ユーザー・パスワードを確かめてください。"
        )
    if isinstance(error, OSError) and error.filename:
        return f"ファイルまたはフォルダーを使えません: {error.filename}（{error.strerror}）。パスと権限を確かめてください。"
    return None
