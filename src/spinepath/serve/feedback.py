"""The feedback database: the cards the service gave and what the clinicians did with them (CDS Hooks
feedback), in SQLite, so that an audit can set them beside the tumour board's decisions.

The file is created on first use, with its schema version in `schema_version`; a file of a newer
version, or one that is not spinepath's, is refused rather than written into. Each card is recorded
when it is given (its uuid, the service, the spinepath patient id, the ruleset, the codes it showed),
and each feedback entry as it arrives; nothing is ever updated or deleted, so the history stays whole.
The file holds patient identifiers and clinicians' comments: keep it where the record is kept.
`cards_with_feedback()` is the reading side for `spinepath audit` (issue 23).
"""
from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE card (
  uuid TEXT PRIMARY KEY,
  issued_at TEXT NOT NULL,          -- UTC, ISO 8601
  service TEXT NOT NULL,
  hook TEXT NOT NULL,
  hook_instance TEXT NOT NULL,
  patient_id TEXT NOT NULL,         -- spinepath's patient id (the Patient's first identifier, or its id)
  kind TEXT NOT NULL,               -- alert | warnings | firm | provisional | question | order
  indicator TEXT NOT NULL,
  summary TEXT NOT NULL,
  ruleset_name TEXT NOT NULL,
  ruleset_version TEXT NOT NULL,
  ruleset_sha256 TEXT NOT NULL,
  codes TEXT NOT NULL               -- JSON: the card's org.spinepath extension (entries, alerts, question)
);
CREATE TABLE suggestion (
  uuid TEXT PRIMARY KEY,
  card TEXT NOT NULL REFERENCES card(uuid),
  label TEXT NOT NULL,
  actions TEXT NOT NULL             -- JSON: the suggested actions
);
CREATE TABLE feedback (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  received_at TEXT NOT NULL,
  service TEXT NOT NULL,
  card TEXT NOT NULL,               -- a card uuid (one the service may not know: kept, and said so by the join)
  outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
  outcome_timestamp TEXT NOT NULL,
  accepted_suggestions TEXT NOT NULL,  -- JSON list of suggestion uuids
  override_system TEXT,
  override_code TEXT,
  override_display TEXT,
  user_comment TEXT
);
CREATE INDEX feedback_card ON feedback(card);
CREATE INDEX card_patient ON card(patient_id);
"""


class FeedbackDbError(Exception):
    """The file is not a spinepath feedback database this version can write."""


class FeedbackStore:
    """One connection, used from one thread at a time (the service serialises the writes)."""

    def __init__(self, path: Path):
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        """The database, created with its schema on first use."""
        if self._db is not None:
            return self._db
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                db.executescript("BEGIN IMMEDIATE;" + SCHEMA + f"INSERT INTO schema_version VALUES ({SCHEMA_VERSION}); COMMIT;")
            elif "schema_version" not in tables:
                raise FeedbackDbError(f"{self.path}: not a spinepath feedback database (no schema_version table)")
            else:
                version = db.execute("SELECT max(version) FROM schema_version").fetchone()[0]
                if version != SCHEMA_VERSION:
                    raise FeedbackDbError(f"{self.path}: feedback schema version {version}; this spinepath "
                                          f"writes version {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            db.close()
            raise FeedbackDbError(f"{self.path}: {exc}") from None
        except FeedbackDbError:
            db.close()
            raise
        self._db = db
        return db

    def check(self) -> None:
        """Open (and create) the file now: a bad --feedback-db is said at start, not at the first call."""
        with self._lock:
            self._connect()

    def record_cards(self, issued_at: str, service: str, hook: str, hook_instance: str, patient_id: str,
                     cards: Iterable[dict[str, Any]]) -> None:
        with self._lock:
            db = self._connect()
            db.execute("BEGIN")
            try:
                for c in cards:
                    codes = (c.get("extension") or {}).get("org.spinepath", {})
                    ruleset = codes.get("ruleset") or {}  # written JSON: the card this service made
                    db.execute("INSERT OR IGNORE INTO card VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               (c["uuid"], issued_at, service, hook, hook_instance, patient_id,
                                codes.get("kind", ""), c["indicator"], c["summary"],
                                ruleset.get("name", ""), ruleset.get("version", ""), ruleset.get("sha256", ""),
                                json.dumps(codes, sort_keys=True)))
                    for s in c.get("suggestions") or []:
                        if s.get("uuid"):
                            db.execute("INSERT OR IGNORE INTO suggestion VALUES (?,?,?,?)",
                                       (s["uuid"], c["uuid"], s["label"], json.dumps(s.get("actions") or [],
                                                                                    sort_keys=True)))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def record_feedback(self, received_at: str, service: str, entries: Iterable[dict[str, Any]]) -> int:
        """Every entry in one transaction (all or none); the number stored."""
        n = 0
        with self._lock:
            db = self._connect()
            db.execute("BEGIN")
            try:
                for f in entries:
                    reason = (f.get("overrideReason") or {})
                    coding = reason.get("reason") or {}
                    db.execute("INSERT INTO feedback (received_at, service, card, outcome, outcome_timestamp, "
                               "accepted_suggestions, override_system, override_code, override_display, user_comment) "
                               "VALUES (?,?,?,?,?,?,?,?,?,?)",
                               (received_at, service, f["card"], f["outcome"], f["outcomeTimestamp"],
                                json.dumps([s["id"] for s in f.get("acceptedSuggestions") or []]),
                                coding.get("system"), coding.get("code"), coding.get("display"),
                                reason.get("userComment")))
                    n += 1
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return n

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def cards_with_feedback(path: Path, patient_id: str | None = None) -> list[dict[str, Any]]:
    """Each feedback entry with the card it is about (None where the card is unknown to this database),
    oldest first: what `spinepath audit` sets beside the board's decisions. Read-only."""
    if not path.exists():
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        version = db.execute("SELECT max(version) FROM schema_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise FeedbackDbError(f"{path}: feedback schema version {version}; this spinepath reads {SCHEMA_VERSION}")
        db.row_factory = sqlite3.Row
        rows = db.execute(
            "SELECT f.*, c.patient_id, c.kind, c.summary, c.ruleset_version, c.codes, c.issued_at "
            "FROM feedback f LEFT JOIN card c ON c.uuid = f.card "
            + ("WHERE c.patient_id = ? " if patient_id is not None else "") + "ORDER BY f.id",
            (patient_id,) if patient_id is not None else ()).fetchall()
        out = []
        for r in rows:
            d = dict(r)
            d["accepted_suggestions"] = json.loads(d["accepted_suggestions"])
            d["codes"] = json.loads(d["codes"]) if d["codes"] else None
            out.append(d)
        return out
    finally:
        db.close()
