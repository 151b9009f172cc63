"""Practices: records, attachments, visibility, "helped me", relayed questions and search."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.records.practices import (
    STATUSES,
    Filter,
    Practice,
    PracticeContent,
    PracticeFile,
    PracticeLine,
    Question,
    Viewer,
)
from storage.base import Repository, from_db_time, to_db_time

# Letters unicode61 does not fold: ё is not a Latin diacritic, and Kyrgyz ө ү ң are often
# typed as о у н on a Russian keyboard, so both spellings must meet in the index.
_FOLD = str.maketrans({"ё": "е", "ө": "о", "ү": "у", "ң": "н"})
_WORD = re.compile(r"\w+")
COLUMNS = (
    "id, draft_id, form_version, author_id, author_kind, place_code, topic, topic_other,"
    " title, situation, actions, result, plan_budget, amount_som, advice, visible_to_all,"
    " allow_contact, show_author, status, review_note, reviewed_by, reviewed_at,"
    " approved_at, created_at, updated_at"
)
HELPFUL = "(SELECT count(*) FROM practice_helpful h WHERE h.practice_id = p.id) AS helpful"


def fold(text: str) -> str:
    """Text as the search index stores it."""
    return text.casefold().translate(_FOLD)


def match_expression(query: str) -> str | None:
    """An FTS5 query of every typed word as a prefix of its stem; None when no word is left."""
    # There is no Russian or Kyrgyz stemmer, so endings are cut: "пастбище" finds "пастбища",
    # "суу" finds "сууну". Words become quoted strings, so no FTS5 syntax can be injected.
    terms = []
    for word in _WORD.findall(fold(query)):
        if len(word) < 2:
            continue
        stem = word[:-2] if len(word) >= 7 else word[:-1] if len(word) >= 4 else word
        terms.append('"' + stem.replace('"', "") + '"*')
    return " AND ".join(terms[:8]) or None


def _content(row: Any) -> PracticeContent:
    return PracticeContent(
        topic=row["topic"],
        topic_other=row["topic_other"],
        title=row["title"],
        situation=row["situation"],
        actions=row["actions"],
        result=row["result"],
        plan_budget=row["plan_budget"],
        amount_som=row["amount_som"],
        advice=row["advice"],
        visible_to_all=bool(row["visible_to_all"]),
        allow_contact=bool(row["allow_contact"]),
        show_author=bool(row["show_author"]),
    )


def practice_from_row(row: Any) -> Practice:
    return Practice(
        id=row["id"],
        draft_id=row["draft_id"],
        form_version=row["form_version"],
        author_id=row["author_id"],
        author_kind=row["author_kind"],
        place_code=row["place_code"],
        content=_content(row),
        status=row["status"],
        review_note=row["review_note"],
        reviewed_by=row["reviewed_by"],
        reviewed_at=from_db_time(row["reviewed_at"]),
        approved_at=from_db_time(row["approved_at"]),
        created_at=from_db_time(row["created_at"]) or datetime.min,
        updated_at=from_db_time(row["updated_at"]) or datetime.min,
        helpful=row["helpful"] if "helpful" in row.keys() else 0,  # noqa: SIM118 - sqlite Row
    )


def _question(row: Any) -> Question:
    return Question(
        id=row["id"],
        practice_id=row["practice_id"],
        asker_id=row["asker_id"],
        question=row["question"],
        asker_shares=bool(row["asker_shares"]),
        answer=row["answer"],
        author_shares=bool(row["author_shares"]),
        asked_at=from_db_time(row["asked_at"]) or datetime.min,
        answered_at=from_db_time(row["answered_at"]),
    )


def _visible_to(viewer: Viewer) -> tuple[str, list[Any]]:
    """The one SQL rule of who sees an approved practice.

    Everyone registered, or the author, or a member of a group it is shared with; a
    coordinator also through her reach (the places and groups given in the viewer, which hold
    the groups she created only while she is a coordinator).
    """
    if viewer.sees_all:
        return "p.status = 'approved'", []
    places = ",".join("?" * len(viewer.places))
    groups = ",".join("?" * len(viewer.groups))
    sql = (
        "p.status = 'approved' AND (p.visible_to_all = 1 OR p.author_id = ?"
        " OR EXISTS (SELECT 1 FROM practice_visibility v JOIN peer_groups g ON g.id = v.group_id"
        " WHERE v.practice_id = p.id AND g.active = 1 AND ("
        "EXISTS (SELECT 1 FROM group_members m WHERE m.group_id = g.id AND m.user_id = ?)"
        + (f" OR g.id IN ({groups})" if viewer.groups else "")
        + "))"
        + (f" OR p.place_code IN ({places})" if viewer.places else "")
        + ")"
    )
    params: list[Any] = [viewer.user_id, viewer.user_id]
    return sql, [*params, *viewer.groups, *viewer.places]


def practice_reach(
    places: Sequence[str] | None, groups: Sequence[int]
) -> tuple[str, tuple[Any, ...]]:
    """Practices a coordinator looks after: from a place or shared with a group in her reach.

    `places` and `groups` are her reach's (`Reach.place_codes`, `Reach.group_ids`); None
    places is a reach of everything.
    """
    if places is None:
        return "1", ()
    parts = []
    if places:
        parts.append(f"p.place_code IN ({','.join('?' * len(places))})")
    if groups:
        parts.append(
            "EXISTS (SELECT 1 FROM practice_visibility v WHERE v.practice_id = p.id"
            f" AND v.group_id IN ({','.join('?' * len(groups))}))"
        )
    return (f"({' OR '.join(parts)})" if parts else "0"), (*places, *groups)


def practice_line(row: Any) -> PracticeLine:
    """A digest's line from (id, title, topic, topic_other, marks)."""
    return PracticeLine(row[0], row[1], row[2], row[3], int(row[4]))


class PracticeRepository(Repository):
    """The `practices` table and its satellites; the search index is kept in step here."""

    async def insert(
        self,
        *,
        draft_id: str,
        form_version: int,
        author_id: int,
        author_kind: str | None,
        place_code: str | None,
        content: PracticeContent,
        now: datetime,
    ) -> int:
        """Store a submitted practice (pending); a repeated draft returns the first record."""
        await self._run(
            "INSERT INTO practices (draft_id, form_version, author_id, author_kind, place_code,"
            " topic, topic_other, title, situation, actions, result, plan_budget, amount_som,"
            " advice, visible_to_all, allow_contact, show_author, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(draft_id) DO NOTHING",
            (
                draft_id,
                form_version,
                author_id,
                author_kind,
                place_code,
                *self._content_values(content),
                to_db_time(now),
                to_db_time(now),
            ),
        )
        row = await self._one("SELECT id FROM practices WHERE draft_id = ?", (draft_id,))
        practice_id = int(row[0])
        await self._index(practice_id, content)
        return practice_id

    @staticmethod
    def _content_values(content: PracticeContent) -> tuple[Any, ...]:
        return (
            content.topic,
            content.topic_other,
            content.title,
            content.situation,
            content.actions,
            content.result,
            content.plan_budget,
            content.amount_som,
            content.advice,
            int(content.visible_to_all),
            int(content.allow_contact),
            int(content.show_author),
        )

    async def revise(self, *, practice_id: int, content: PracticeContent, now: datetime) -> None:
        """Replace what the author wrote; the practice waits for approval again."""
        await self._run(
            "UPDATE practices SET topic = ?, topic_other = ?, title = ?, situation = ?,"
            " actions = ?, result = ?, plan_budget = ?, amount_som = ?, advice = ?,"
            " visible_to_all = ?, allow_contact = ?, show_author = ?, status = 'pending',"
            " updated_at = ? WHERE id = ?",
            (*self._content_values(content), to_db_time(now), practice_id),
        )
        await self._index(practice_id, content)

    async def _index(self, practice_id: int, content: PracticeContent) -> None:
        body = "\n".join(
            t
            for t in (
                content.topic_other,
                content.situation,
                content.actions,
                content.result,
                content.advice,
            )
            if t
        )
        await self._run("DELETE FROM practices_fts WHERE rowid = ?", (practice_id,))
        await self._run(
            "INSERT INTO practices_fts (rowid, title, body) VALUES (?, ?, ?)",
            (practice_id, fold(content.title), fold(body)),
        )

    async def set_groups(self, *, practice_id: int, group_ids: Sequence[int]) -> None:
        await self._run("DELETE FROM practice_visibility WHERE practice_id = ?", (practice_id,))
        for group_id in sorted(set(group_ids)):
            await self._run(
                "INSERT INTO practice_visibility (practice_id, group_id) VALUES (?, ?)",
                (practice_id, group_id),
            )

    async def group_ids(self, practice_id: int) -> list[int]:
        rows = await self._all(
            "SELECT group_id FROM practice_visibility WHERE practice_id = ? ORDER BY group_id",
            (practice_id,),
        )
        return [int(r[0]) for r in rows]

    async def set_attachments(self, *, practice_id: int, files: Sequence[PracticeFile]) -> None:
        await self._run("DELETE FROM practice_attachments WHERE practice_id = ?", (practice_id,))
        for position, f in enumerate(files):
            await self._run(
                "INSERT INTO practice_attachments (practice_id, position, kind, file_id,"
                " unique_id, mime, name, duration) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    practice_id,
                    position,
                    f.kind,
                    f.file_id,
                    f.unique_id,
                    f.mime,
                    f.name,
                    f.duration,
                ),
            )

    async def attachments(self, practice_id: int) -> list[PracticeFile]:
        rows = await self._all(
            "SELECT kind, file_id, unique_id, mime, name, duration FROM practice_attachments"
            " WHERE practice_id = ? ORDER BY position",
            (practice_id,),
        )
        return [PracticeFile(*tuple(r)) for r in rows]

    async def get(self, practice_id: int) -> Practice | None:
        row = await self._one(
            f"SELECT {COLUMNS}, {HELPFUL} FROM practices p WHERE id = ?", (practice_id,)
        )
        return practice_from_row(row) if row else None

    async def visible_one(self, viewer: Viewer, practice_id: int) -> Practice | None:
        """The practice if it is approved and this viewer may see it, else None."""
        rule, params = _visible_to(viewer)
        row = await self._one(
            f"SELECT {COLUMNS}, {HELPFUL} FROM practices p WHERE p.id = ? AND {rule}",
            (practice_id, *params),
        )
        return practice_from_row(row) if row else None

    def _where(self, viewer: Viewer, where: Filter) -> tuple[str, str, list[Any]]:
        rule, params = _visible_to(viewer)
        join = ""
        join_params: list[Any] = []
        if where.match is not None:
            join = (
                " JOIN (SELECT rowid AS rid, bm25(practices_fts, 3.0, 1.0) AS score"
                " FROM practices_fts WHERE practices_fts MATCH ?) s ON s.rid = p.id"
            )
            join_params = [where.match]
        clauses = [rule]
        if where.topic is not None:
            clauses.append("p.topic = ?")
            params.append(where.topic)
        if where.places is not None:
            clauses.append(f"p.place_code IN ({','.join('?' * len(where.places))})")
            params.extend(where.places)
        if where.since is not None:
            clauses.append("p.approved_at >= ?")
            params.append(to_db_time(where.since))
        return join, " AND ".join(clauses), [*join_params, *params]

    async def visible(
        self,
        viewer: Viewer,
        where: Filter,
        *,
        sort: str = "new",
        limit: int,
        offset: int = 0,
    ) -> list[Practice]:
        """Approved practices this viewer may see: newest, most useful, or best match first."""
        join, clauses, params = self._where(viewer, where)
        order = {
            "new": "p.approved_at DESC, p.id DESC",
            "useful": "helpful DESC, p.approved_at DESC, p.id DESC",
            "topic": "p.topic, p.approved_at, p.id",
        }[sort]
        if where.match is not None and sort != "topic":
            order = "s.score, " + order
        rows = await self._all(
            f"SELECT {COLUMNS}, {HELPFUL} FROM practices p{join} WHERE {clauses}"
            f" ORDER BY {order} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [practice_from_row(r) for r in rows]

    async def count_visible(self, viewer: Viewer, where: Filter) -> int:
        join, clauses, params = self._where(viewer, where)
        row = await self._one(
            f"SELECT count(*) FROM practices p{join} WHERE {clauses}", tuple(params)
        )
        return int(row[0])

    async def visible_places(self, viewer: Viewer) -> list[str]:
        """Distinct places of the practices this viewer may see."""
        rule, params = _visible_to(viewer)
        rows = await self._all(
            f"SELECT DISTINCT p.place_code FROM practices p WHERE {rule}"
            " AND p.place_code IS NOT NULL ORDER BY p.place_code",
            tuple(params),
        )
        return [str(r[0]) for r in rows]

    async def by_author(self, author_id: int, *, limit: int, offset: int = 0) -> list[Practice]:
        rows = await self._all(
            f"SELECT {COLUMNS}, {HELPFUL} FROM practices p WHERE author_id = ?"
            " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
            (author_id, limit, offset),
        )
        return [practice_from_row(r) for r in rows]

    async def count_by_author(self, author_id: int) -> int:
        row = await self._one("SELECT count(*) FROM practices WHERE author_id = ?", (author_id,))
        return int(row[0])

    async def approved_between(
        self,
        *,
        places: Sequence[str] | None,
        groups: Sequence[int],
        since: datetime,
        until: datetime,
        limit: int,
    ) -> tuple[list[PracticeLine], int]:
        """Practices in reach approved in [since, until), newest first, and how many."""
        where, params = practice_reach(places, groups)
        clause = (
            f"FROM practices p WHERE p.status = 'approved' AND p.approved_at >= ?"
            f" AND p.approved_at < ? AND {where}"
        )
        window = (to_db_time(since), to_db_time(until), *params)
        rows = await self._all(
            f"SELECT p.id, p.title, p.topic, p.topic_other, {HELPFUL} {clause}"
            " ORDER BY p.approved_at DESC, p.id DESC LIMIT ?",
            (*window, limit),
        )
        total = await self._one(f"SELECT count(*) {clause}", window)
        return [practice_line(r) for r in rows], int(total[0])

    async def most_helpful_between(
        self,
        *,
        places: Sequence[str] | None,
        groups: Sequence[int],
        since: datetime,
        until: datetime,
        limit: int,
    ) -> list[PracticeLine]:
        """Approved practices in reach with the most "helped me" marks in [since, until)."""
        where, params = practice_reach(places, groups)
        rows = await self._all(
            "SELECT p.id, p.title, p.topic, p.topic_other, count(*) AS marks"
            " FROM practice_helpful h JOIN practices p ON p.id = h.practice_id"
            f" WHERE h.at >= ? AND h.at < ? AND p.status = 'approved' AND {where}"
            " GROUP BY p.id ORDER BY marks DESC, p.id LIMIT ?",
            (to_db_time(since), to_db_time(until), *params, limit),
        )
        return [practice_line(r) for r in rows]

    async def waiting(self) -> list[Practice]:
        """Practices waiting for a coordinator, oldest first."""
        rows = await self._all(
            f"SELECT {COLUMNS} FROM practices p WHERE status = 'pending' ORDER BY updated_at, id"
        )
        return [practice_from_row(r) for r in rows]

    async def set_status(
        self,
        *,
        practice_id: int,
        from_status: str,
        to_status: str,
        note: str | None,
        reviewed_by: int,
        now: datetime,
    ) -> bool:
        """Move a practice on; False when it was no longer in `from_status` (a repeat)."""
        if to_status not in STATUSES:
            raise ValueError(f"unknown status {to_status}")
        changed = await self._run(
            "UPDATE practices SET status = ?, review_note = ?, reviewed_by = ?,"
            " reviewed_at = ?, updated_at = ?,"
            " approved_at = CASE WHEN ? = 'approved' THEN ? ELSE approved_at END"
            " WHERE id = ? AND status = ?",
            (
                to_status,
                note,
                reviewed_by,
                to_db_time(now),
                to_db_time(now),
                to_status,
                to_db_time(now),
                practice_id,
                from_status,
            ),
        )
        return changed == 1

    # "This helped me" -------------------------------------------------------------------

    async def mark_helpful(self, *, practice_id: int, user_id: int, now: datetime) -> bool:
        """Count the person once; False when they had already marked it."""
        changed = await self._run(
            "INSERT INTO practice_helpful (practice_id, user_id, at) VALUES (?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (practice_id, user_id, to_db_time(now)),
        )
        return changed == 1

    async def helped(self, *, practice_id: int, user_id: int) -> bool:
        row = await self._one(
            "SELECT 1 FROM practice_helpful WHERE practice_id = ? AND user_id = ?",
            (practice_id, user_id),
        )
        return row is not None

    # Questions relayed to the author ---------------------------------------------------

    async def add_question(
        self,
        *,
        draft_id: str,
        practice_id: int,
        asker_id: int,
        question: str,
        asker_shares: bool,
        now: datetime,
    ) -> int:
        await self._run(
            "INSERT INTO practice_questions (draft_id, practice_id, asker_id, question,"
            " asker_shares, asked_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(draft_id) DO NOTHING",
            (draft_id, practice_id, asker_id, question, int(asker_shares), to_db_time(now)),
        )
        row = await self._one("SELECT id FROM practice_questions WHERE draft_id = ?", (draft_id,))
        return int(row[0])

    async def question(self, question_id: int) -> Question | None:
        row = await self._one("SELECT * FROM practice_questions WHERE id = ?", (question_id,))
        return _question(row) if row else None

    async def answer(
        self,
        *,
        question_id: int,
        draft_id: str,
        answer: str,
        author_shares: bool,
        now: datetime,
    ) -> bool:
        """Store the answer once; False when the question was already answered."""
        changed = await self._run(
            "UPDATE practice_questions SET answer = ?, answer_draft_id = ?, author_shares = ?,"
            " answered_at = ? WHERE id = ? AND answer IS NULL",
            (answer, draft_id, int(author_shares), to_db_time(now), question_id),
        )
        return changed == 1

    # Saved searches ----------------------------------------------------------------------

    async def save_search(self, *, user_id: int, query: str, now: datetime) -> int:
        return await self._insert(
            "INSERT INTO practice_searches (user_id, query, created_at) VALUES (?, ?, ?)",
            (user_id, query, to_db_time(now)),
        )

    async def search_query(self, *, search_id: int, user_id: int) -> str | None:
        row = await self._one(
            "SELECT query FROM practice_searches WHERE id = ? AND user_id = ?",
            (search_id, user_id),
        )
        return str(row[0]) if row else None

    async def forget_searches_before(self, *, before: datetime) -> int:
        return await self._run(
            "DELETE FROM practice_searches WHERE created_at < ?", (to_db_time(before),)
        )

    # Privacy -----------------------------------------------------------------------------

    async def export_of(self, user_id: int) -> Mapping[str, Any]:
        """Everything of this person in the practice tables, for /mydata."""
        practices = await self.by_author(user_id, limit=100_000)
        written = []
        for p in practices:
            written.append(
                {
                    "id": p.id,
                    "status": p.status,
                    "created_at": p.created_at,
                    "place_code": p.place_code,
                    "review_note": p.review_note,
                    "groups": await self.group_ids(p.id),
                    "attachments": len(await self.attachments(p.id)),
                    **{k: getattr(p.content, k) for k in PracticeContent.__slots__},
                }
            )
        helpful = await self._all(
            "SELECT practice_id, at FROM practice_helpful WHERE user_id = ? ORDER BY at",
            (user_id,),
        )
        asked = await self._all(
            "SELECT * FROM practice_questions WHERE asker_id = ? ORDER BY id", (user_id,)
        )
        answered = await self._all(
            "SELECT q.* FROM practice_questions q JOIN practices p ON p.id = q.practice_id"
            " WHERE p.author_id = ? AND q.answer IS NOT NULL ORDER BY q.id",
            (user_id,),
        )
        searches = await self._all(
            "SELECT query, created_at FROM practice_searches WHERE user_id = ? ORDER BY id",
            (user_id,),
        )
        return {
            "practices": written,
            "helpful": [{"practice_id": r[0], "at": r[1]} for r in helpful],
            "questions_asked": [
                {"practice_id": q.practice_id, "question": q.question, "answer": q.answer}
                for q in map(_question, asked)
            ],
            "answers_given": [
                {"practice_id": q.practice_id, "answer": q.answer}
                for q in map(_question, answered)
            ],
            "searches": [{"query": r[0], "at": r[1]} for r in searches],
        }

    async def erase_user(self, user_id: int) -> None:
        """Delete unpublished practices, questions, marks, searches; anonymise approved ones."""
        unpublished = await self._all(
            "SELECT id FROM practices WHERE author_id = ? AND status != 'approved'", (user_id,)
        )
        for row in unpublished:
            await self._run("DELETE FROM practices_fts WHERE rowid = ?", (row[0],))
            await self._run("DELETE FROM practices WHERE id = ?", (row[0],))
        if unpublished:
            # FTS5 only marks deleted words; merging the index drops them from the file.
            await self._run("INSERT INTO practices_fts (practices_fts) VALUES ('optimize')")
        await self._run(
            "DELETE FROM practice_questions WHERE practice_id IN"
            " (SELECT id FROM practices WHERE author_id = ?)",
            (user_id,),
        )
        await self._run(
            "UPDATE practices SET author_id = NULL, show_author = 0, allow_contact = 0"
            " WHERE author_id = ?",
            (user_id,),
        )
        await self._run(
            "UPDATE practices SET reviewed_by = NULL WHERE reviewed_by = ?", (user_id,)
        )
        await self._run("DELETE FROM practice_questions WHERE asker_id = ?", (user_id,))
        await self._run("DELETE FROM practice_helpful WHERE user_id = ?", (user_id,))
        await self._run("DELETE FROM practice_searches WHERE user_id = ?", (user_id,))
