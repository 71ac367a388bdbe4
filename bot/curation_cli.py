"""`dxbot kb review` and `dxbot kb apply` (SPEC.md, Curation): the CLI side of curation/."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.settings import Settings

EPOCH = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))


def _fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


def _date_option(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"日付は 2026-04-01 のように書いてください（「{text}」は読めません）") from None


def cmd_kb_review(args: argparse.Namespace) -> int:
    """An unreadable knowledge base or database is an expected failure: one Japanese line from main()."""
    from bot.clock import utc_now
    from curation.review import review_groups
    from curation.sheet import write_review_sheet
    from knowledge.engine import FaqEngine
    from knowledge.kb import load_kb
    from storage.db import create_db_engine, create_session_factory
    from storage.feedback import FeedbackRepository
    from storage.repositories import QuestionLogRepository
    from storage.schema import prepare_schema

    settings = Settings.from_env()
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        return _fail(f"--out には .xlsx のファイル名を指定してください（「{out}」）。", 2)
    kb = load_kb(Path(args.kb) if args.kb else settings.kb_path)
    tz = ZoneInfo(settings.tz)
    start = datetime.combine(args.since, datetime.min.time(), tz) if args.since else EPOCH
    end = utc_now() + timedelta(days=1)
    db = create_db_engine(settings.database_url)
    try:
        prepare_schema(db, auto_migrate=settings.auto_migrate)
        sessions = create_session_factory(db)
        questions = QuestionLogRepository(sessions).between(start, end)
        feedback = FeedbackRepository(sessions).between(start, end)
    finally:
        db.dispose()
    engine = FaqEngine(kb)
    groups = [g.with_candidates(engine) for g in review_groups(questions, feedback, kb)]
    write_review_sheet(groups, kb, out, tz)
    since = f"{args.since.isoformat()} 以降、" if args.since else ""
    print(
        f"{since}要対応の質問 {len(groups)} 件（{sum(g.count for g in groups)} 回）を {out} に書き出しました。"
        f"対応の列を記入したら dxbot kb apply {out} で反映します。"
    )
    return 0


def cmd_kb_apply(args: argparse.Namespace) -> int:
    from bot.clock import utc_now
    from curation.apply import ApplyRefused, apply_sheet, describe
    from knowledge.kb import BUNDLED_KB

    settings = Settings.from_env()
    sheet = Path(args.file)
    if not sheet.is_file():
        return _fail(f"{sheet}:1: ファイルが見つかりません。dxbot kb review で作ったファイルを指定してください")
    kb_dir = Path(args.kb) if args.kb else settings.kb_path or BUNDLED_KB
    today = utc_now().astimezone(ZoneInfo(settings.tz)).date()
    try:
        result = apply_sheet(sheet, kb_dir, today)
    except ApplyRefused as refused:
        for problem in refused.problems:
            print(problem, file=sys.stderr)
        return _fail(f"{len(refused.problems)} 件の問題があるため、知識ベースは何も変えていません。")
    print(describe(result, kb_dir))
    return 0


def add_curation_commands(kb_sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`kb review` and `kb apply` under the `kb` command."""
    p = kb_sub.add_parser("review", help="回答できなかった質問などを、事務局が対応を書き込む Excel に書き出す")
    p.add_argument("--out", required=True, metavar="FILE.xlsx", help="書き出す Excel ファイル")
    p.add_argument("--since", type=_date_option, metavar="YYYY-MM-DD", help="この日（DXBOT_TZ）以降の質問だけ")
    p.add_argument("--kb", help="知識ベース（既定は DXBOT_KB_PATH、なければ同梱のもの）")
    p.set_defaults(func=cmd_kb_review)
    p = kb_sub.add_parser("apply", help="kb review のシートに書いた対応を知識ベース（YAML）に反映する（全部か、何もしないか）")
    p.add_argument("file", metavar="FILE.xlsx", help="対応を記入した kb review のシート")
    p.add_argument("--kb", help="書き込む知識ベースのディレクトリ（既定は DXBOT_KB_PATH、なければ同梱のもの）")
    p.set_defaults(func=cmd_kb_apply)
