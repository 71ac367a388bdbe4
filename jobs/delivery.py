"""Posting the digest and the reminders: exactly once per week and target, through the ledger.

What "nothing half-posted" means here. A digest is a sequence of steps: the main message in the channel,
then, in its thread, the chart and the continuation messages. The week counts as posted only when every
step is done. If a step fails after its retries, the claim is released ('failed') with the number of steps
done and the main message's ts kept in the ledger; the next attempt (the next scheduled run, a restart's
catch-up, or `dxbot digest post`) continues in the same thread from the first missing step. So the channel
never gets a second main message for a week, and the thread ends up complete. We chose this over deleting
a main message whose thread could not be finished: 47 people may already have been notified of it, and a
delete can fail as well. The main message says how many parts follow, so a reader can tell a thread that
is still being completed. The one window left: a process that dies between Slack accepting a step and the
ledger recording it repeats that step when its stale claim is taken over (after `stale_after`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.replies import Block, Command, Message, Part, UserText, bullets, para
from jobs.digest import Digest, DigestRepos, StaleInitiative, stale_initiatives, standing_reports
from jobs.digest_layout import chart_title, one_line
from jobs.notify import DeliveryError, Image, Notifier, RetryPolicy, call_with_retry
from jobs.weeks import IsoWeek, due_digest_weeks, due_reminder_weeks
from storage.ledger import DeliveryLedger
from storage.progress import REPORT_USAGE, StaffRecord, StaffRole

logger = logging.getLogger(__name__)

DIGEST_KIND = "digest"
REMINDER_KIND = "reminder"
REMINDER_LIST_LIMIT = 20

Outcome = Literal["posted", "already_posted", "in_progress", "failed"]


@dataclass(frozen=True)
class PostOutcome:
    kind: str
    period: str
    target: str
    outcome: Outcome
    message_ts: str | None = None
    error: str | None = None


def _refused(ledger: DeliveryLedger, kind: str, period: str, target: str) -> PostOutcome:
    record = ledger.get(kind, period, target)
    if record is not None and record.status == "posted":
        return PostOutcome(kind, period, target, "already_posted", record.message_ts)
    return PostOutcome(kind, period, target, "in_progress", record.message_ts if record else None)


def post_digest(
    digest: Digest,
    notifier: Notifier[Any],
    ledger: DeliveryLedger,
    now: datetime,
    *,
    channel: str,
    chart: bytes | None = None,
    force: bool = False,
    retry: RetryPolicy | None = None,
) -> PostOutcome:
    """Post `digest` to `channel` unless the ledger has it (or another process is posting it).

    The notifier renders it for its platform; the steps are its messages and the chart, in this order: the
    first message in the channel, then in its thread the chart and the rest."""
    retry = retry or RetryPolicy()
    period = digest.week.key
    messages = list(notifier.render(digest))  # before the claim: a rendering bug must not leave a claim behind
    claim = ledger.claim(DIGEST_KIND, period, channel, now, force=force)
    if claim is None:
        return _refused(ledger, DIGEST_KIND, period, channel)

    main, continuations = messages[0], messages[1:]
    steps: list[Callable[[str | None], str | None]] = [lambda _thread: notifier.post(channel, main)]
    if chart is not None:
        image = Image(chart, f"dx-digest-{period}.png", chart_title(digest))
        steps.append(lambda thread: notifier.attach_image(channel, image, thread=thread))
    for message in continuations:
        steps.append(lambda thread, m=message: notifier.post(channel, m, thread=thread))  # type: ignore[misc]

    ts = claim.message_ts
    step = claim.steps_done
    try:
        while step < len(steps):
            action, thread = steps[step], ts
            result = call_with_retry(lambda: action(thread), retry, f"digest {period} step {step + 1}/{len(steps)}")  # noqa: B023
            if step == 0:
                ts = result
            step += 1
            ledger.record_progress(claim, step, ts)
    except DeliveryError as error:
        logger.error("digest %s → %s failed at step %d/%d: %s", period, channel, step + 1, len(steps), error)
        ledger.release(claim, f"step {step + 1}/{len(steps)}: {error}")
        return PostOutcome(DIGEST_KIND, period, channel, "failed", ts, str(error))
    except BaseException:
        ledger.release(claim, "interrupted")
        raise
    ledger.mark_posted(claim, now, ts)
    logger.info("digest %s posted to %s in %d step(s)", period, channel, len(steps))
    return PostOutcome(DIGEST_KIND, period, channel, "posted", ts)


@dataclass(frozen=True)
class DigestJob:
    """Everything the scheduled digest needs, time excepted (the caller passes `now`)."""

    repos: DigestRepos
    notifier: Notifier[Any]
    ledger: DeliveryLedger
    channel: str
    tz: ZoneInfo
    retry: RetryPolicy | None = None
    with_chart: bool = True


def digest_with_chart(job: DigestJob, week: IsoWeek, now: datetime) -> tuple[Digest, bytes | None]:
    from jobs.chart import render_chart
    from jobs.digest import build_digest

    digest = build_digest(job.repos, week, now, job.tz)
    chart = None
    if job.with_chart:
        try:
            chart = render_chart(digest)
        except Exception:  # the chart is an extra: without it the digest still goes out
            logger.exception("digest chart for %s could not be rendered; posting without it", week)
    return digest, chart


def catch_up(now: datetime, job: DigestJob) -> list[PostOutcome]:
    """Post every digest that is due at `now` and not yet in the ledger (oldest first).

    This is both the Monday 09:00 job and the catch-up when the bot starts: a run missed while the bot
    was down is made on the first run after it comes back, within the week it fell due.
    """
    outcomes = []
    for week in due_digest_weeks(now, job.tz):
        if job.ledger.is_posted(DIGEST_KIND, week.key, job.channel):
            continue
        digest, chart = digest_with_chart(job, week, now)
        outcomes.append(
            post_digest(digest, job.notifier, job.ledger, now, channel=job.channel, chart=chart, retry=job.retry)
        )
    return outcomes


# ---------------------------------------------------------------- reminders


@dataclass(frozen=True)
class Reminder:
    leader: StaffRecord
    initiatives: tuple[StaleInitiative, ...]


def plan_reminders(repos: DigestRepos, now: datetime) -> list[Reminder]:
    """One reminder per leader whose department is on a stale initiative (as owner or past reporter)."""
    initiatives = repos.initiatives.all()
    stale = stale_initiatives(initiatives, standing_reports(repos, now), now)
    leaders: dict[str, list[StaffRecord]] = defaultdict(list)
    for person in repos.staff.all():
        if person.role == StaffRole.LEADER:
            leaders[person.department].append(person)
    per_leader: dict[str, list[StaleInitiative]] = defaultdict(list)
    people: dict[str, StaffRecord] = {}
    for item in stale:
        for department in item.departments:
            for leader in leaders.get(department, ()):
                people[leader.user_id] = leader
                if item not in per_leader[leader.user_id]:
                    per_leader[leader.user_id].append(item)
    return [Reminder(people[user], tuple(items)) for user, items in sorted(per_leader.items())]


def reminder_message(reminder: Reminder, tz: ZoneInfo) -> Message:
    """The reminder DM in neutral blocks: names and titles are data (`UserText`), the commands the platform's."""
    leader = reminder.leader
    items: list[list[Part]] = []
    for item in reminder.initiatives[:REMINDER_LIST_LIMIT]:
        last = f"最終報告 {item.last_reported_at.astimezone(tz):%Y-%m-%d}" if item.last_reported_at else "報告なし"
        items.append([f"{item.id} {one_line(item.name)}（{last}）"])
    if len(reminder.initiatives) > REMINDER_LIST_LIMIT:
        items.append([f"ほか {len(reminder.initiatives) - REMINDER_LIST_LIMIT}件"])
    content: list[Block] = [
        para(UserText(leader.name), " さん、DX推進の取組みについてのお知らせです。"),
        para(UserText(leader.department), "が関わる次の取組みは、4週間以上報告がありません。"),
        bullets(items),
        para("進み具合を ", Command(REPORT_USAGE), " で教えてください（", Command("報告"), " だけならフォームが開きます）。"),
    ]
    return Message(tuple(content))


def send_reminders(
    now: datetime,
    *,
    repos: DigestRepos,
    notifier: Notifier[Any],
    ledger: DeliveryLedger,
    tz: ZoneInfo,
    retry: RetryPolicy | None = None,
) -> list[PostOutcome]:
    """Thursday 15:00 (next business day on a holiday): a DM to each leader with stale initiatives,
    at most once per week and person (the ledger, keyed by user id)."""
    retry = retry or RetryPolicy()
    outcomes = []
    for week in due_reminder_weeks(now, tz):
        for reminder in plan_reminders(repos, now):
            user = reminder.leader.user_id
            claim = ledger.claim(REMINDER_KIND, week.key, user, now)
            if claim is None:
                continue  # sent already (or being sent) this week
            message = reminder_message(reminder, tz)
            try:
                ts = call_with_retry(
                    lambda u=user, m=message: notifier.send_direct(u, m), retry, f"reminder {week} {user}"  # type: ignore[misc]
                )
            except DeliveryError as error:
                logger.error("reminder %s → %s failed: %s", week, user, error)
                ledger.release(claim, str(error))
                outcomes.append(PostOutcome(REMINDER_KIND, week.key, user, "failed", error=str(error)))
                continue
            except BaseException:
                ledger.release(claim, "interrupted")
                raise
            ledger.mark_posted(claim, now, ts)
            outcomes.append(PostOutcome(REMINDER_KIND, week.key, user, "posted", ts))
    return outcomes
