"""Expected failures: the adapter shows the Japanese message to the user as is."""


class UserError(Exception):
    """A request the bot understood but must refuse (bad input, no permission, unknown name).

    `message` is Japanese and says what was wrong and how to write it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# The database is away (refused, dropped, pool exhausted): expected during an outage, not a bug.
# The bot keeps answering questions from memory; anything that needs the database is refused, never confirmed.
STORAGE_UNAVAILABLE = (
    "いまデータベースに接続できないため、この操作はできませんでした（何も記録・変更していません）。"
    "質問にはこのままお答えできます。しばらくしてから、もう一度お試しください。"
)


def is_storage_outage(error: BaseException) -> bool:
    """True for errors that mean "the database cannot be reached right now" (not for bugs such as bad SQL)."""
    from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    return isinstance(error, OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError)
