"""Expected failures: the adapter shows the Japanese message to the user, rendered its own way."""

from __future__ import annotations

from collections.abc import Iterable

from bot.replies import Block, blocks, plain_blocks


class UserError(Exception):
    """A request the bot understood but must refuse (bad input, no permission, unknown name).

    `blocks` are neutral (bot/replies.py), Japanese, and say what was wrong and how to write it; a str
    is one paragraph. `message` is the same as plain words without markup, for logs and tests.
    """

    def __init__(self, *content: str | Block | Iterable[Block]) -> None:
        self.blocks = blocks(*content)
        self.message = plain_blocks(self.blocks)
        super().__init__(self.message)


# The database is away (refused, dropped, pool exhausted): expected during an outage, not a bug.
# The bot keeps answering questions from memory; anything that needs the database is refused, never confirmed.
STORAGE_UNAVAILABLE = (
    "いまデータベースに接続できないため、記録していません（何も変更していません）。"
    "質問にはこのままお答えできます。しばらくしてから、もう一度お試しください。"
)


# The request could not be written to the inbox within its short bound (bot/intake.py): nothing was taken.
NOT_TAKEN = (
    "いまデータベースが混み合っているため、この報告を受け付けられませんでした（何も記録していません）。"
    "少し時間をおいて、もう一度送ってください。質問にはこのままお答えできます。"
)


def is_storage_outage(error: BaseException) -> bool:
    """True for errors that mean "the database cannot be reached right now" (not for bugs such as bad SQL)."""
    from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    return isinstance(error, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError)
