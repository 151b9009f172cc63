"""Places typed by hand in reports, people and needs, and their attaching to the gazetteer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.records.places import Holder, PlaceCodes, TypedPlace
from storage.audit import AuditRepository
from storage.base import Repository, to_db_time


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" for _ in values)


def _among(columns: Sequence[str], places: Sequence[str] | None) -> tuple[str, list[Any]]:
    """SQL keeping rows where any of `columns` is one of `places` (None: every row)."""
    if places is None:
        return "1", []
    if not places:
        return "0", []
    marks = _marks(places)
    return "(" + " OR ".join(f"{c} IN ({marks})" for c in columns) + ")", [*places] * len(columns)


class TypedPlaceRepository(Repository):
    """Typed places not yet attached, and attaching them (codes written, text kept)."""

    async def unattached(self, *, places: Sequence[str] | None) -> list[TypedPlace]:
        """Typed places of records whose known place is one of `places` (None: all)."""
        found: list[TypedPlace] = []
        where, params = _among(("admin1", "admin2", "admin3"), places)
        for row in await self._all(
            "SELECT id, place_other, coalesce(admin3, admin2, admin1) FROM incidents"
            f" WHERE place_other IS NOT NULL AND place_attached_at IS NULL AND {where}"
            " ORDER BY id",
            tuple(params),
        ):
            found.append(TypedPlace("incident", int(row[0]), str(row[1]), row[2], row[2]))
        where, params = _among(("place_code",), places)
        for row in await self._all(
            "SELECT id, place_other, place_code FROM users"
            " WHERE place_other IS NOT NULL AND place_attached_at IS NULL"
            f" AND privacy_accepted_at IS NOT NULL AND {where} ORDER BY id",
            tuple(params),
        ):
            found.append(TypedPlace("user", int(row[0]), str(row[1]), row[2], row[2]))
        # A need names its place in words when its aiyl aimak was not listed; nothing was
        # chosen before, so it may be anywhere; its author's place says whose it is.
        where, params = _among(("u.place_code",), places)
        for row in await self._all(
            "SELECT n.id, n.village, u.place_code FROM needs n JOIN users u ON u.id = n.author_id"
            " WHERE n.place_code IS NULL AND n.village IS NOT NULL"
            f" AND n.place_attached_at IS NULL AND {where} ORDER BY n.id",
            tuple(params),
        ):
            found.append(TypedPlace("need", int(row[0]), str(row[1]), None, row[2]))
        return found

    async def attach(
        self,
        records: Sequence[TypedPlace],
        codes: PlaceCodes,
        *,
        actor_id: int | None,
        now: datetime,
    ) -> list[TypedPlace]:
        """Write the codes into each record still unattached and audit each; those attached.

        The typed text stays where it was; the audit entry keeps the codes the record had.
        """
        audit = AuditRepository(self.conn)
        done: list[TypedPlace] = []
        for record in records:
            before = await self._codes_of(record.holder, record.id)
            if before is None:
                continue  # attached meanwhile, or gone
            if not await self._write(record.holder, record.id, codes, now):
                continue
            await audit.record(
                actor_id=actor_id,
                entity=record.holder,
                entity_id=str(record.id),
                action="place_attached",
                from_value=before,
                to_value=codes.place,
                reason=record.typed,
                now=now,
            )
            done.append(record)
        return done

    async def _codes_of(self, holder: Holder, record_id: int) -> str | None:
        """The record's place codes as "oblast/rayon/aiyl aimak" (or its one code); None when
        it is not a typed place waiting to be attached."""
        if holder == "incident":
            row = await self._one(
                "SELECT admin1, admin2, admin3, village_code FROM incidents"
                " WHERE id = ? AND place_attached_at IS NULL",
                (record_id,),
            )
            return "/".join(v or "-" for v in tuple(row)) if row else None
        table = "users" if holder == "user" else "needs"
        row = await self._one(
            f"SELECT place_code FROM {table} WHERE id = ? AND place_attached_at IS NULL",
            (record_id,),
        )
        return (row[0] or "-") if row else None

    async def _write(
        self, holder: Holder, record_id: int, codes: PlaceCodes, now: datetime
    ) -> bool:
        at = to_db_time(now)
        # A person's or a need's place is an aiyl aimak (or the most precise unit above it),
        # as the forms store it; a need keeps the village beside it.
        unit = codes.admin3 or codes.admin2 or codes.admin1
        if holder == "incident":
            changed = await self._run(
                "UPDATE incidents SET admin1 = ?, admin2 = ?, admin3 = ?,"
                " village_code = coalesce(?, village_code),"
                # A village named is the report's precision, unless a pin was shared.
                " geo_precision = CASE WHEN ? IS NOT NULL AND geo_precision > 2 THEN 2"
                " ELSE geo_precision END, place_attached_at = ?"
                " WHERE id = ? AND place_attached_at IS NULL",
                (
                    codes.admin1,
                    codes.admin2,
                    codes.admin3,
                    codes.village,
                    codes.village,
                    at,
                    record_id,
                ),
            )
        elif holder == "user":
            changed = await self._run(
                "UPDATE users SET place_code = ?, place_attached_at = ?, updated_at = ?"
                " WHERE id = ? AND place_attached_at IS NULL",
                (unit, at, at, record_id),
            )
        else:
            changed = await self._run(
                "UPDATE needs SET place_code = ?, village_code = ?, place_attached_at = ?,"
                " updated_at = ? WHERE id = ? AND place_attached_at IS NULL",
                (unit, codes.village, at, at, record_id),
            )
        return changed == 1
