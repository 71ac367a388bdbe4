"""SQLAlchemy 2 models. The schema changes only through Alembic migrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class QuestionLog(Base):
    """Every question asked, with what the engine made of it; curators read it to close gaps."""

    __tablename__ = "question_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str | None] = mapped_column(String(64))
    platform: Mapped[str] = mapped_column(String(16), nullable=False, default="console")
    text: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    score: Mapped[float] = mapped_column(Float, nullable=False)
    entry_id: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        Index("ix_question_log_asked_at", "asked_at"),
        Index("ix_question_log_status", "status"),
    )


# ---------------------------------------------------------------- progress reporting (issue 3)
#
# Initiatives are seeded from the knowledge base (the plan version stays data); departments and staff
# come from the directory YAML or `/dx 登録`. Reports and withdrawals are append-only: nothing here is
# ever updated in place or deleted, and the latest status is derived from the history.

STAFF_ROLES = ("member", "leader", "admin")
REPORT_STATUSES = ("not_started", "considering", "preparing", "in_progress", "done", "paused", "on_hold")


def _in_list(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (UniqueConstraint("name", name="uq_departments_name"),)


class StaffMember(Base):
    """A registered staff member. The key is the Slack user id, or `teams:<aadObjectId>` for Teams-only staff;
    `teams_id` is the Azure AD object id Teams sends as `from.aadObjectId`."""

    __tablename__ = "staff"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), nullable=False)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    teams_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint(_in_list("role", STAFF_ROLES), name="ck_staff_role"),
        Index("uq_staff_teams_id", "teams_id", unique=True),
    )


class Initiative(Base):
    """One initiative of the plan's tables ①–③; `id` is the knowledge base's stable id ("1-02")."""

    __tablename__ = "initiatives"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    reform: Mapped[int] = mapped_column(Integer, nullable=False)
    theme: Mapped[str] = mapped_column(String(200), nullable=False)
    theme_no: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    plan_version: Mapped[str | None] = mapped_column(String(64))
    # False once a plan revision drops it; its history stays.
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class InitiativeDepartment(Base):
    """An owning department of an initiative (optional; the plan names few)."""

    __tablename__ = "initiative_departments"

    initiative_id: Mapped[str] = mapped_column(ForeignKey("initiatives.id"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)


class InitiativeKpi(Base):
    """A KPI of an initiative with its 2026年度末 target."""

    __tablename__ = "initiative_kpis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    initiative_id: Mapped[str] = mapped_column(ForeignKey("initiatives.id"), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    unit: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    target: Mapped[float | None] = mapped_column(Float)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    __table_args__ = (UniqueConstraint("initiative_id", "name", name="uq_initiative_kpis_initiative_name"),)


class ProgressReport(Base):
    """One progress report. Append-only; `request_id` makes a redelivered request a no-op."""

    __tablename__ = "progress_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    initiative_id: Mapped[str] = mapped_column(ForeignKey("initiatives.id"), nullable=False)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), nullable=False)
    reporter_id: Mapped[str] = mapped_column(ForeignKey("staff.user_id"), nullable=False)
    # The name at the time of the report: the record stays readable if the directory changes later.
    reporter_name: Mapped[str] = mapped_column(String(128), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    percent: Mapped[int | None] = mapped_column(Integer)
    kpi_id: Mapped[int | None] = mapped_column(ForeignKey("initiative_kpis.id"))
    kpi_value: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="console")
    request_id: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        UniqueConstraint("request_id", name="uq_progress_reports_request_id"),
        CheckConstraint(_in_list("status", REPORT_STATUSES), name="ck_progress_reports_status"),
        CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="ck_progress_reports_percent"),
        Index("ix_progress_reports_initiative", "initiative_id", "reported_at", "id"),
        Index("ix_progress_reports_department", "department_id", "reported_at"),
        Index("ix_progress_reports_reporter", "reporter_id", "reported_at"),
        Index("ix_progress_reports_reported_at", "reported_at"),
    )


class ReportWithdrawal(Base):
    """A withdrawal (取消) of one report: a new row, never a delete. A report is withdrawn at most once."""

    __tablename__ = "report_withdrawals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_reports.id"), nullable=False)
    withdrawn_by: Mapped[str] = mapped_column(String(64), nullable=False)
    withdrawn_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    request_id: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        UniqueConstraint("report_id", name="uq_report_withdrawals_report_id"),
        UniqueConstraint("request_id", name="uq_report_withdrawals_request_id"),
    )


# ---------------------------------------------------------------- chat adapters (issue 4)

FEEDBACK_VERDICTS = ("helpful", "wrong", "picked")


class AnswerFeedback(Base):
    """A reaction to an answer (役に立った / 違った, or the 「もしかして」 choice picked), for curators.

    Append-only: a second click is a new row; readers take each user's latest.
    """

    __tablename__ = "answer_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    question_log_id: Mapped[int | None] = mapped_column(ForeignKey("question_log.id"))
    entry_id: Mapped[str | None] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    verdict: Mapped[str] = mapped_column(String(16), nullable=False)
    platform: Mapped[str] = mapped_column(String(16), nullable=False, default="slack")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        CheckConstraint(_in_list("verdict", FEEDBACK_VERDICTS), name="ck_answer_feedback_verdict"),
        Index("ix_answer_feedback_question_log", "question_log_id"),
        Index("ix_answer_feedback_created_at", "created_at"),
    )


# ---------------------------------------------------------------- scheduled deliveries (issue 5)

DELIVERY_STATUSES = ("posting", "posted", "failed")


class Delivery(Base):
    """The delivery ledger: one row per (kind, period, target), e.g. ('digest', '2026-W48', 'C0DX').

    The unique key makes a delivery exactly-once across restarts and between processes: a sender first
    claims the row ('posting' with a claim token and time), then marks it 'posted'; a failure marks it
    'failed' so a later attempt may claim it again. `steps_done` and `message_ts` let a later attempt
    continue a digest thread instead of posting the main message twice.
    """

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    period: Mapped[str] = mapped_column(String(16), nullable=False)
    target: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    claim_token: Mapped[str | None] = mapped_column(String(36))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    steps_done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    times_posted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        UniqueConstraint("kind", "period", "target", name="uq_deliveries_kind_period_target"),
        CheckConstraint(_in_list("status", DELIVERY_STATUSES), name="ck_deliveries_status"),
    )


# ---------------------------------------------------------------- durable intake (issue 14)

INBOX_STATES = ("received", "done", "failed")


class InboxEntry(Base):
    """One accepted inbound request (a Slack event, command or interaction; a Teams activity), written
    before it is acknowledged and worked from afterwards (storage/inbox.py).

    `key` is the platform's own id for the request, so a redelivery finds its row; `state` says whether
    the work is decided (received → done | failed), `result` what the user is told, `delivered_at` that
    they were told; `lease_owner`/`lease_until` let exactly one worker (in any process) hold it at a time.
    The payload is cleared once the outcome is decided: the inbox keeps no user text longer than needed.
    """

    __tablename__ = "inbox"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    payload: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(_in_list("state", INBOX_STATES), name="ck_inbox_state"),
        # Resume looks for rows not yet delivered; pruning for old delivered ones.
        Index("ix_inbox_undelivered", "delivered_at", "lease_until"),
        Index("ix_inbox_received_at", "received_at"),
    )
# ---------------------------------------------------------------- chat platform state (issue 9)


class ConversationStoreItem(Base):
    """A document a chat adapter keeps across restarts, by key: Teams conversation references for proactive
    posts (`proactive/conversations/<id>`) and which personal chat belongs to whom.

    The Teams adapter implements the Agents SDK's storage interface on this table; the documents are the
    SDK's own JSON, which storage/ does not interpret.
    """

    __tablename__ = "conversation_store"

    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    document: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
