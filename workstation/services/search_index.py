"""Name search that stays fast on a million cases.

Each applicant's name is stored in an FTS5 table as its character bigrams, one
token each (“张伟明” → “张伟 伟明”), so that any 2 or more consecutive
characters are found through the index. Candidates are then checked against the
real name, since bigrams alone do not fix their order.

An applicant who changed their name (a renamed enterprise) is found under every
name they were recorded under: the row holds the bigrams of all of them, and the
candidates are checked against the current name and the names their acceptances
recorded.
"""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..store import raw


def normalise(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def bigrams(name: str) -> list[str]:
    norm = normalise(name)
    if len(norm) < 2:
        return [norm] if norm else []
    return sorted({norm[i:i + 2] for i in range(len(norm) - 1)})


def index_name(session: Session, applicant_id: int, name: str, *, new: bool = False) -> None:
    cur = raw.cursor(session)
    if not new:
        cur.execute("DELETE FROM applicant_grams WHERE rowid = ?", (applicant_id,))
    cur.execute("INSERT INTO applicant_grams (rowid, grams) VALUES (?, ?)",
                (applicant_id, " ".join(bigrams(name))))


def add_name(session: Session, applicant_id: int, name: str) -> None:
    """Make the applicant findable under one more name, keeping the names before."""
    cur = raw.cursor(session)
    row = cur.execute("SELECT grams FROM applicant_grams WHERE rowid = ?", (applicant_id,)).fetchone()
    grams = set(row[0].split()) if row and row[0] else set()
    cur.execute("DELETE FROM applicant_grams WHERE rowid = ?", (applicant_id,))
    cur.execute("INSERT INTO applicant_grams (rowid, grams) VALUES (?, ?)",
                (applicant_id, " ".join(sorted(grams | set(bigrams(name))))))


def match_query(query: str) -> str | None:
    grams = bigrams(query)
    if not grams or len(normalise(query)) < 2:
        return None
    return " AND ".join(f'"{g}"' for g in grams)


def applicant_ids_by_name(session: Session, query: str, limit: int = 200) -> list[int]:
    """Applicants whose name contains `query` (2+ characters), newest first."""
    fts = match_query(query)
    if fts is None:
        return []
    needle = normalise(query)
    rows = session.execute(text(
        "SELECT g.rowid, a.name FROM applicant_grams g JOIN applicants a ON a.id = g.rowid "
        "WHERE applicant_grams MATCH :q ORDER BY g.rowid DESC LIMIT :n"),
        {"q": fts, "n": limit * 4}).all()
    found = {rid for rid, name in rows if needle in normalise(name)}
    others = [rid for rid, _ in rows if rid not in found]
    if others:
        # Earlier names live on the acceptances that recorded them.
        found |= {rid for rid, name in session.execute(
            text("SELECT DISTINCT applicant_id, applicant_name FROM acceptances "
                 "WHERE applicant_id IN (SELECT value FROM json_each(:ids))"),
            {"ids": json.dumps(others)}) if needle in normalise(name)}
    return [rid for rid, _ in rows if rid in found][:limit]
