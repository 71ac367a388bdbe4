"""Hand-written fakes for our own ports."""

from __future__ import annotations

from datetime import datetime, timedelta


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class FakeNotifier:
    """The jobs' Notifier port in memory: renders as Slack does (bot/slack/digest.py, so the split, the
    markers and the escaping are the real ones), and records every post, image and direct message;
    `fail` queues errors per method."""

    def __init__(self) -> None:
        self.messages: list[dict] = []  # type: ignore[type-arg]
        self.uploads: list[dict] = []  # type: ignore[type-arg]
        self.dms: list[dict] = []  # type: ignore[type-arg]
        self.failures: dict[str, list[Exception]] = {}
        self._ts = 0

    def fail(self, method: str, *errors: Exception) -> None:
        """The next calls to `method` ("post", "attach_image", "send_direct") raise `errors`, in order."""
        self.failures.setdefault(method, []).extend(errors)

    def _next_ts(self, method: str) -> str:
        queue = self.failures.get(method)
        if queue:
            raise queue.pop(0)
        self._ts += 1
        return f"1732770000.{self._ts:06d}"

    def render(self, content):  # type: ignore[no-untyped-def]
        from bot.slack.digest import render

        return render(content)

    def post(self, target, message, thread=None):  # type: ignore[no-untyped-def]
        ts = self._next_ts("post")
        self.messages.append({"channel": target, "blocks": list(message.blocks), "text": message.text, "thread_ts": thread, "ts": ts})
        return ts

    def attach_image(self, target, image, thread=None):  # type: ignore[no-untyped-def]
        self._next_ts("attach_image")
        self.uploads.append({"channel": target, "content": image.content, "filename": image.filename, "title": image.title, "thread_ts": thread})

    def send_direct(self, person, message):  # type: ignore[no-untyped-def]
        from bot.slack.render import blocks_mrkdwn

        ts = self._next_ts("send_direct")
        self.dms.append({"user": person, "text": blocks_mrkdwn(message.blocks), "ts": ts})
        return ts

    @property
    def top_level(self) -> list[dict]:  # type: ignore[type-arg]
        return [m for m in self.messages if m["thread_ts"] is None]


AMBIGUOUS_QUESTION = "WG"


def pin_ambiguous(bot, question: str = AMBIGUOUS_QUESTION) -> str:  # type: ignore[no-untyped-def]
    """Make the engine unsure about `question` (its real ranking kept, its verdict pinned to AMBIGUOUS).

    Where an answer turns into choices is the engine's calibrated band, which moves whenever the
    knowledge base or the calibration does; everything after the engine runs for real.
    """
    from dataclasses import replace

    from bot.knowledge_store import Knowledge
    from knowledge.engine import AMBIGUOUS

    real = bot.engine

    class PinnedEngine:
        def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
            return getattr(real, name)

        def match(self, text: str, top: int = 3):  # type: ignore[no-untyped-def]
            result = real.match(text, top)
            return replace(result, status=AMBIGUOUS, entry=None) if text == question else result

    bot.knowledge.replace(Knowledge(bot.kb, PinnedEngine()))  # type: ignore[arg-type]
    assert len(real.match(question, 3).candidates) == 3
    return question
