"""Erasing a person's core data (each feature's repository erases its own)."""

from __future__ import annotations

from storage.base import Repository


class PrivacyRepository(Repository):
    """What /deleteme removes from the core tables."""

    async def erase_core(self, user_id: int) -> None:
        await self._run("DELETE FROM drafts WHERE user_id = ?", (user_id,))
        await self._run("DELETE FROM processed_updates WHERE user_id = ?", (user_id,))
        await self._run("UPDATE invites SET used_by = NULL WHERE used_by = ?", (user_id,))
        await self._run("UPDATE invites SET created_by = 0 WHERE created_by = ?", (user_id,))
        await self._run("UPDATE audit_log SET actor_id = NULL WHERE actor_id = ?", (user_id,))
        # Entries about the person's own rights (deactivation) name her by her id.
        await self._run(
            "DELETE FROM audit_log WHERE entity = 'user' AND entity_id = ?", (str(user_id),)
        )
        await self._run("DELETE FROM group_members WHERE user_id = ?", (user_id,))
        await self._run("DELETE FROM roles WHERE user_id = ?", (user_id,))
        await self._run("UPDATE roles SET granted_by = NULL WHERE granted_by = ?", (user_id,))
        await self._run(
            "UPDATE peer_groups SET created_by = NULL WHERE created_by = ?", (user_id,)
        )
        await self._run("DELETE FROM users WHERE id = ?", (user_id,))
