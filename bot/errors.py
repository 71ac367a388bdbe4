"""Expected failures: the adapter shows the Japanese message to the user as is."""


class UserError(Exception):
    """A request the bot understood but must refuse (bad input, no permission, unknown name).

    `message` is Japanese and says what was wrong and how to write it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
