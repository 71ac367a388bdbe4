"""SQLAlchemy 2 models. The schema changes only through Alembic migrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Index, Integer, String, Text
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
