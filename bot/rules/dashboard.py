"""Signing in to the dashboard and its API: Mini App data, one-time links, sessions, tokens.

Three ways in, one rule after them. A Telegram Mini App hands over `initData`, checked as
Telegram specifies (HMAC-SHA256 keyed with HMAC-SHA256("WebAppData", bot token), at most an
hour old, each one used once); `/dashboard` gives a one-time link (10 minutes, used once);
`ayilbot sandbox` prints such a link for its own person. Each ends in a session whose secret
only the browser's cookie holds. Every request then resolves the person again (`Actors`), so
a revoked role or a deactivation closes the dashboard at once; what she sees is her `Reach`,
as in the chat. API tokens are made by administrators for other systems: a name and a scope,
read like a coordinator of that scope. Secrets are stored as SHA-256 hashes only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from bot.config import LANGUAGES
from bot.core.access import Actor, Permission, Reach, Scope
from bot.core.actors import Person
from bot.core.kernel import Kernel
from bot.records.core import User
from bot.records.dashboard import ApiToken
from storage.connection import Connection
from storage.dashboard import (
    ApiTokenRepository,
    InitDataRepository,
    LoginLinkRepository,
    WebSessionRepository,
)

INIT_DATA_MAX_AGE = timedelta(hours=1)
CLOCK_SKEW = timedelta(minutes=1)  # a phone's clock a little ahead is not a forgery
LINK_LIFETIME = timedelta(minutes=10)
TOKEN_TOUCH_EVERY = timedelta(minutes=10)  # how stale a token's "last used" may be
DASHBOARD = Permission.VIEW_STATS  # who may open it: coordinators and administrators
LOOPBACK = ("127.0.0.1", "localhost", "::1")
TOKEN_PREFIX = "ayl_"


class NotSignedIn(Exception):
    """No valid way in: forged, expired or replayed initData, a used or unknown link, no
    session, a revoked token. `reason` is for the log; people are only told to sign in."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadTokenRequest(ValueError):
    """`ayilbot admin token ...` with a name or scope that cannot be used."""


@dataclass(frozen=True, slots=True)
class WebAppUser:
    """The person Telegram says opened the Mini App."""

    id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A sign-in that succeeded: the session's secret for the cookie (None: keep the one the
    browser has), and who it is."""

    secret: str | None
    actor: Actor
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class DashboardEntry:
    """What /dashboard offers: the Mini App (when Telegram can open its address)."""

    url: str
    mini_app: str | None  # the Mini App's address; None: Telegram would refuse it (not https)


@dataclass(frozen=True, slots=True)
class LoginLinkMade:
    """A one-time link and until when it works."""

    url: str
    expires_at: datetime
    minutes: int


def secret_hash(secret: str) -> str:
    """How a secret is stored: SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def init_data_key(bot_token: str) -> bytes:
    """Telegram's secret key for Mini App data: HMAC-SHA256(key="WebAppData", bot token)."""
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def check_init_data(raw: str, bot_token: str, now: datetime) -> tuple[WebAppUser, str]:
    """The person in a Mini App's initData and its hash; NotSignedIn unless Telegram signed
    it for this bot within the last hour (core.telegram.org/bots/webapps, "Validating data
    received via the Mini App")."""
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise NotSignedIn("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs) or "hash" not in fields:
        raise NotSignedIn("malformed")
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")
    expected = hmac.new(init_data_key(bot_token), check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, fields["hash"].lower()):
        raise NotSignedIn("forged")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
        user = json.loads(fields["user"])
        person = WebAppUser(
            id=int(user["id"]),
            first_name=str(user.get("first_name") or ""),
            last_name=user.get("last_name"),
            username=user.get("username"),
            language_code=user.get("language_code"),
        )
    except (KeyError, ValueError, TypeError, OverflowError):
        raise NotSignedIn("malformed") from None
    if now - signed_at > INIT_DATA_MAX_AGE:
        raise NotSignedIn("expired")
    if signed_at - now > CLOCK_SKEW:
        raise NotSignedIn("from_the_future")
    return person, expected


def mini_app_address(url: str) -> str | None:
    """The Mini App's address, if Telegram opens it: https (http only on this machine)."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK):
        return url + "/app"
    return None


def token_actor(token: ApiToken, reach: Reach, locale: str) -> Actor:
    """An API token as the rules see it: a coordinator of its scope, no one's account.

    Its id is negative, so it can never be a Telegram user's; it is never an administrator,
    whatever its scope (no anonymous reporter, no exact pin, like a coordinator of `all`).
    """
    user = User(
        id=-token.id,
        first_name=token.name,
        last_name=None,
        username=None,
        language=locale,
        kind="coordinator",
        place_code=None,
        place_other=None,
        privacy_accepted_at=token.created_at,
        pseudonym="",
        active=False,
        created_at=token.created_at,
    )
    scope = Scope(token.scope_kind, token.scope_value)
    return Actor(
        user_id=-token.id, locale=locale, user=user, coordinator_scopes=(scope,), reach=reach
    )


class DashboardRules:
    """Who may open the dashboard, and how she signs in to it."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    def _now(self) -> datetime:
        return self.kernel.clock.now()

    def require(self, actor: Actor) -> Actor:
        """NotRegistered or NotAllowed unless the person may open the dashboard."""
        self.kernel.access.require(actor, DASHBOARD)
        return actor

    # ------------------------------------------------------------------ from the chat

    def entry(self, actor: Actor) -> DashboardEntry:
        """/dashboard: the address, and the Mini App where Telegram can open it."""
        self.require(actor)
        url = self.kernel.settings.dashboard_url
        return DashboardEntry(url=url, mini_app=mini_app_address(url))

    async def login_link(self, actor: Actor) -> LoginLinkMade:
        """A one-time link for a browser, valid LINK_LIFETIME."""
        self.require(actor)
        code = secrets.token_urlsafe(24)
        now = self._now()
        async with self.kernel.db.transaction() as conn:
            await LoginLinkRepository(conn).add(
                code_hash=secret_hash(code),
                user_id=actor.user_id,
                now=now,
                expires=now + LINK_LIFETIME,
            )
        return LoginLinkMade(
            url=f"{self.kernel.settings.dashboard_url}/login/{code}",
            expires_at=now + LINK_LIFETIME,
            minutes=int(LINK_LIFETIME.total_seconds() // 60),
        )

    # ------------------------------------------------------------------ signing in

    async def sign_in_with_link(self, code: str) -> SignedIn:
        """Use a one-time link: NotSignedIn when unknown, used or expired."""
        now = self._now()
        async with self.kernel.db.transaction() as conn:
            user_id = await LoginLinkRepository(conn).claim(code_hash=secret_hash(code), now=now)
        if user_id is None:
            raise NotSignedIn("unknown_link")
        actor = self.require(await self.kernel.actors.of_user(user_id))
        return await self._open(actor, via="link")

    async def sign_in_with_web_app(self, raw: str, *, current: str | None = None) -> SignedIn:
        """Exchange a Mini App's initData for a session; the same initData twice is refused,
        unless it comes again with the session it opened (the Mini App page reloaded)."""
        token = self.kernel.settings.token
        if token is None:
            raise NotSignedIn("no_bot_token")
        now = self._now()
        person, signature = check_init_data(raw, token, now)
        actor = self.require(
            await self.kernel.actors.resolve(
                Person(
                    id=person.id,
                    first_name=person.first_name,
                    last_name=person.last_name,
                    username=person.username,
                    language_code=person.language_code,
                )
            )
        )
        async with self.kernel.db.transaction() as conn:
            first = await InitDataRepository(conn).use(
                signature_hash=secret_hash(signature), user_id=person.id, now=now
            )
        if first:
            return await self._open(actor, via="webapp")
        if current is not None:
            async with self.kernel.db.reading() as conn:
                session = await WebSessionRepository(conn).live(
                    token_hash=secret_hash(current), now=now
                )
            if session is not None and session.user_id == person.id:
                return SignedIn(secret=None, actor=actor, expires_at=session.expires_at)
        raise NotSignedIn("replayed")

    async def _open(self, actor: Actor, *, via: str) -> SignedIn:
        secret = secrets.token_urlsafe(32)
        now = self._now()
        expires = now + timedelta(hours=self.kernel.settings.web_session_hours)
        async with self.kernel.db.transaction() as conn:
            await WebSessionRepository(conn).add(
                token_hash=secret_hash(secret),
                user_id=actor.user_id,
                via=via,
                now=now,
                expires=expires,
            )
        return SignedIn(secret=secret, actor=actor, expires_at=expires)

    async def session_actor(self, secret: str | None) -> Actor:
        """Who a session cookie belongs to, resolved now; NotSignedIn without a live one,
        NotAllowed when she may no longer open the dashboard."""
        if not secret:
            raise NotSignedIn("no_session")
        async with self.kernel.db.reading() as conn:
            session = await WebSessionRepository(conn).live(
                token_hash=secret_hash(secret), now=self._now()
            )
        if session is None:
            raise NotSignedIn("no_session")
        return self.require(await self.kernel.actors.of_user(session.user_id))

    async def sign_out(self, secret: str | None) -> None:
        """End the session (nothing to do without one)."""
        if not secret:
            return
        async with self.kernel.db.transaction() as conn:
            await WebSessionRepository(conn).end(token_hash=secret_hash(secret))

    # ------------------------------------------------------------------ API tokens

    def parse_scope(self, text: str) -> Scope:
        """`all`, a gazetteer code (`BA-BAT`) or `group:<id>`, as `ayilbot admin grant`."""
        text = text.strip()
        if text.lower() == "all":
            return Scope("all")
        if text.lower().startswith("group:") and text[6:].isdigit():
            return Scope("group", text[6:])
        place = self.kernel.gazetteer.get(text.upper())
        if place is not None and place.level != "village":
            return Scope("place", place.code)
        raise BadTokenRequest(f"unknown scope {text!r}: use all, a gazetteer code or group:ID")

    async def create_token(self, name: str, scope_text: str) -> tuple[ApiToken, str]:
        """A new token and its secret, which is shown once and never stored."""
        name = name.strip()
        if not name or len(name) > 64 or not name.isprintable():
            raise BadTokenRequest("a token needs a name of 1-64 printable characters")
        scope = self.parse_scope(scope_text)
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        async with self.kernel.db.transaction() as conn:
            repo = ApiTokenRepository(conn)
            made = await repo.add(
                name=name,
                token_hash=secret_hash(secret),
                scope_kind=scope.kind,
                scope_value=scope.value,
                now=self._now(),
            )
            token = await repo.by_hash(token_hash=secret_hash(secret)) if made else None
        if token is None:
            raise BadTokenRequest(f"a token named {name!r} exists already")
        return token, secret

    async def revoke_token(self, name: str) -> bool:
        """Revoke a live token by name; False when there is none."""
        async with self.kernel.db.transaction() as conn:
            return await ApiTokenRepository(conn).revoke(name=name.strip(), now=self._now())

    async def tokens(self) -> list[ApiToken]:
        """Every token, revoked ones too (their names stay taken)."""
        async with self.kernel.db.reading() as conn:
            return await ApiTokenRepository(conn).all()

    async def api_actor(self, secret: str | None, locale: str) -> Actor:
        """The reader behind an API token; NotSignedIn when unknown or revoked."""
        if not secret or not secret.startswith(TOKEN_PREFIX):
            raise NotSignedIn("no_token")
        async with self.kernel.db.reading() as conn:
            token = await ApiTokenRepository(conn).by_hash(token_hash=secret_hash(secret))
        if token is None or token.revoked_at is not None:
            raise NotSignedIn("revoked_token" if token else "unknown_token")
        now = self._now()
        if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH_EVERY:
            async with self.kernel.db.transaction() as conn:
                await ApiTokenRepository(conn).touch(token_id=token.id, now=now)
        scope = Scope(token.scope_kind, token.scope_value)
        reach = Reach.of((scope,), self.kernel.gazetteer)
        return token_actor(token, reach, locale if locale in LANGUAGES else "en")

    # ------------------------------------------------------------------ upkeep and privacy

    async def prune(self) -> int:
        """Forget expired sessions and links and initData too old to be accepted again."""
        now = self._now()
        async with self.kernel.db.transaction() as conn:
            removed = await WebSessionRepository(conn).prune(now=now)
            removed += await LoginLinkRepository(conn).prune(now=now)
            removed += await InitDataRepository(conn).prune(
                before=now - INIT_DATA_MAX_AGE - CLOCK_SKEW
            )
        return removed

    async def export_personal(self, conn: Connection, user_id: int) -> Any:
        """For /mydata: the person's dashboard sessions (when and how; never the secret)."""
        sessions = await WebSessionRepository(conn).of_user(user_id=user_id)
        return {
            "sessions": [
                {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(s).items()}
                for s in sessions
            ]
        }

    async def erase_personal(self, conn: Connection, user_id: int, pseudonym: str) -> None:
        """For /deleteme: every session, link and used initData of the person goes."""
        await WebSessionRepository(conn).end_all(user_id=user_id)
        await LoginLinkRepository(conn).end_all(user_id=user_id)
        await InitDataRepository(conn).end_all(user_id=user_id)
