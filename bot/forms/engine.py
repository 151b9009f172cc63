"""The one form engine: forms are data, the engine owns steps, drafts, resume and submit.

State is derived from the answers: the current step is the first relevant step not yet
answered, so Back, Change-from-summary and conditional steps need no stack. Every accepted
answer is committed with the key of the update that carried it, so a redelivered update
changes nothing and a restart continues at the same step.

A step is decided on the draft as read, without a lock, and written in one trip to the writer
(`Database.write`, group-committed); a draft that moved on in between is read again. Only a
submit, which runs the form's own submit function, takes a multi-statement transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from bot.core.access import Actor
from bot.core.errors import StaleButton, StorageUnavailable
from bot.forms.kinds import Answers, Browse, Choice, Env, Input, Invalid, Kind, Option, Pick
from bot.forms.view import FormPress, FormView, Offer
from bot.i18n import N_, Safe, Tr, translator
from bot.records.core import Draft
from storage.connection import Connection
from storage.db import Database
from storage.drafts import (
    DraftChanged,
    DraftRepository,
    ProcessedUpdates,
    open_draft,
    record_step,
)

SUMMARY = ""
# A step decided on a draft that moved on is decided again; the same person's updates run
# in order (the chat's update processor), so a second attempt is already rare.
ATTEMPTS = 3
# Telegram cuts a text longer than one message (4,096 characters) into parts sent together,
# a second or so apart; a part this long is never a whole answer.
MESSAGE_LIMIT = 4096
SPLIT_WINDOW = timedelta(seconds=3)
T = TypeVar("T")


@dataclass(frozen=True)
class Step:
    """One question of a form (an XLSForm row)."""

    key: str
    kind: Kind
    prompt: str
    label: str | None = None  # short name in the summary; the prompt when absent
    optional: bool = False
    when: Callable[[Answers, Env], bool] | None = None
    clears: tuple[str, ...] = ()  # answers that depend on this one
    prompt_params: Callable[[Answers, Env], Mapping[str, Any]] | None = None
    # A prompt chosen by earlier answers (a msgid); `prompt` when it returns None.
    prompt_for: Callable[[Answers, Env], str | None] | None = None

    def relevant(self, answers: Answers, env: Env) -> bool:
        return self.when is None or self.when(answers, env)


@dataclass(frozen=True)
class Form:
    id: str
    version: int
    title: str
    steps: tuple[Step, ...]
    confirm: bool = True  # show the summary with Change buttons before submitting
    locale_key: str | None = None  # an answer that switches the form's language

    def __post_init__(self) -> None:
        keys = [s.key for s in self.steps]
        if len(keys) != len(set(keys)):
            raise ValueError(f"form {self.id} repeats a step key")

    def index(self, key: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.key == key)

    @property
    def keys(self) -> frozenset[str]:
        """Every step's key."""
        return frozenset(s.key for s in self.steps)


@dataclass(frozen=True)
class Submitted:
    """What a submit function reports back: the receipt shown and work for after commit."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)
    after_commit: Callable[[], Awaitable[None]] | None = None


SubmitFn = Callable[[Connection, Draft, Actor, Env], Awaitable[Submitted]]
AfterCommit = Callable[[], Awaitable[None]]
# Work every form's submit shares, in its transaction (the media store records the files a
# submission carries); it may return work for after commit, run after the form's own.
SubmitHook = Callable[[Connection, Draft, Actor], Awaitable[AfterCommit | None]]


@dataclass(frozen=True)
class FormSpec:
    form: Form
    submit: SubmitFn


class AlreadySubmitted(Exception):
    """A repeated Submit: the receipt is shown again instead of a second record."""

    def __init__(self, view: FormView) -> None:
        super().__init__("already submitted")
        self.view = view


@dataclass(frozen=True)
class _Write:
    """A step's outcome, decided before any lock: the view and what to write for it."""

    view: FormView
    save: Draft | None = None
    delete: bool = False
    pause_others: bool = False


@dataclass(frozen=True)
class _Submit:
    """The step completes the form; `asked`: the question to repeat if the submit refuses."""

    draft: Draft
    asked: Draft | None = None


async def _retrying(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run a step's read-decide-write again while the draft moved on under it."""
    for _ in range(ATTEMPTS):
        try:
            return await attempt()
        except DraftChanged:
            continue
    raise StorageUnavailable("the draft kept changing")


def _numbers(tr: Tr, params: Mapping[str, Any]) -> dict[str, Any]:
    """A refusal's counts (lengths, limits, a range) in the reader's grouping: `10 000`."""
    return {
        key: tr.number(value) if isinstance(value, int) and not isinstance(value, bool) else value
        for key, value in params.items()
    }


def _in_turn(works: Sequence[AfterCommit | None]) -> AfterCommit | None:
    """One after-commit work running each of `works` in order (None when there is none)."""
    present = [w for w in works if w is not None]
    if len(present) <= 1:
        return present[0] if present else None

    async def run() -> None:
        for work in present:
            await work()

    return run


def press(draft_id: str, where: str, action: str) -> FormPress:
    """A press on a draft, named by its first 8 hex (unique enough per person)."""
    return FormPress(draft_id[:8], where, action)


class FormEngine:
    """Runs any declared form for any person; knows nothing of Telegram."""

    def __init__(
        self,
        db: Database,
        specs: dict[str, FormSpec],
        *,
        env_for: Callable[[Tr, Actor, Mapping[str, Any]], Env],
        clock: Callable[[], datetime],
    ) -> None:
        self.db = db
        self.specs = specs
        self._env_for = env_for
        self._clock = clock
        self.on_submit: list[SubmitHook] = []

    # entry points -------------------------------------------------------------------------

    async def start(
        self,
        actor: Actor,
        *,
        form_id: str,
        context: Mapping[str, Any] | None = None,
        restart: bool = False,
        answers: Mapping[str, Any] | None = None,
    ) -> FormView:
        """Open a form (pre-filled with `answers` to edit a record), or continue an open one."""
        spec = self.specs[form_id]

        async def attempt() -> FormView:
            async with self.db.reading() as conn:
                existing = await DraftRepository(conn).live_for_form(
                    user_id=actor.user_id, form_id=form_id
                )
            resumed = (
                existing is not None
                and not restart
                and (existing.form_version == spec.form.version)
            )
            if resumed and existing is not None:
                draft = replace(existing, status="open")
            else:
                draft = Draft(
                    id=uuid.uuid4().hex,
                    user_id=actor.user_id,
                    chat_id=actor.user_id,  # a form is answered in the person's private chat
                    form_id=form_id,
                    form_version=spec.form.version,
                    answers=dict(answers or {}),
                    step="",
                    context=dict(context or {}),
                )
            draft = self._advance(spec.form, draft, actor)
            await self.db.write(
                partial(open_draft, existing=existing, draft=draft, now=self._clock())
            )
            notice = N_("You have an unfinished form; let us continue where you stopped.")
            return self._view(spec.form, draft, actor, notice=notice if resumed else None)

        return await _retrying(attempt)

    async def active(self, actor: Actor) -> Draft | None:
        """The draft that takes this person's typed input, if any."""
        async with self.db.reading() as conn:
            return await DraftRepository(conn).latest_open(user_id=actor.user_id)

    async def current(self, actor: Actor) -> FormView | None:
        """The question the person is at, to show again."""
        draft = await self.active(actor)
        if draft is None or draft.form_id not in self.specs:
            return None
        return self._view(self.specs[draft.form_id].form, draft, actor)

    async def on_input(self, actor: Actor, given: Input, *, event_key: str) -> FormView | None:
        """Apply a typed message, location or file to the open form; None when none is open."""

        async def attempt() -> FormView | None:
            async with self.db.reading() as conn:
                draft = await DraftRepository(conn).latest_open(user_id=actor.user_id)
                if draft is None or draft.form_id not in self.specs:
                    return None
                seen = await ProcessedUpdates(conn).seen(event_key)
            form = self.specs[draft.form_id].form
            if seen:
                return self._view(form, draft, actor)
            outcome = self._typed(form, draft, actor, given)
            return await self._apply(form, draft, actor, outcome, event_key)

        return await _retrying(attempt)

    async def on_button(self, actor: Actor, pressed: FormPress, *, event_key: str) -> FormView:
        """Apply a pressed form button; raises StaleButton or AlreadySubmitted."""
        short_id, where, action = pressed.draft, pressed.where, pressed.action

        async def attempt() -> FormView:
            async with self.db.reading() as conn:
                draft = await DraftRepository(conn).get_by_prefix(
                    user_id=actor.user_id, prefix=short_id
                )
                seen = await ProcessedUpdates(conn).seen(event_key)
            if draft is None or draft.form_id not in self.specs:
                raise StaleButton
            form = self.specs[draft.form_id].form
            if draft.status == "submitted":
                raise AlreadySubmitted(self._receipt(form, draft, actor))
            if seen:
                return self._view(form, draft, actor)
            if where == "R" and action == "r":
                resumed = replace(draft, status="open")
                outcome: _Write | _Submit = _Write(
                    self._view(form, resumed, actor), save=resumed, pause_others=True
                )
            elif draft.status != "open" or where != self._where(form, draft):
                raise StaleButton
            else:
                outcome = self._press(form, draft, actor, action)
            return await self._apply(form, draft, actor, outcome, event_key)

        return await _retrying(attempt)

    async def cancel(self, actor: Actor) -> bool:
        """Discard the open form; False when there was none."""
        async with self.db.transaction() as conn:
            drafts = DraftRepository(conn)
            draft = await drafts.latest_open(user_id=actor.user_id)
            if draft is None:
                return False
            await drafts.delete(draft.id)
            return True

    async def unfinished(self, actor: Actor) -> list[tuple[str, FormPress]]:
        """(title msgid, resume press) of each form put aside or left open.

        The open one is listed too: if its last question was lost on a weak connection,
        the menu brings it back.
        """
        async with self.db.reading() as conn:
            drafts = await DraftRepository(conn).unfinished(user_id=actor.user_id)
        return [
            (self.specs[d.form_id].form.title, press(d.id, "R", "r"))
            for d in drafts
            if d.form_id in self.specs
        ]

    async def housekeeping(self) -> None:
        """Forget redelivery keys and receipts old enough that Telegram cannot redeliver."""
        now = self._clock()
        async with self.db.transaction() as conn:
            await ProcessedUpdates(conn).prune(now=now)
            await DraftRepository(conn).forget_submitted_before(before=now - timedelta(days=2))

    # writing a decided step -------------------------------------------------------------

    async def _apply(
        self, form: Form, read: Draft, actor: Actor, outcome: _Write | _Submit, event_key: str
    ) -> FormView:
        """Commit the outcome decided on `read`; DraftChanged when `read` is out of date."""
        if isinstance(outcome, _Submit):
            return await self._submit(form, read, actor, outcome, event_key)
        if outcome.save is None and not outcome.delete:
            return outcome.view  # a question shown again or an error: nothing changes
        await self.db.write(
            partial(
                record_step,
                key=event_key,
                user_id=actor.user_id,
                now=self._clock(),
                draft=read,
                save=outcome.save,
                delete=outcome.delete,
                pause_others=outcome.pause_others,
            )
        )
        return outcome.view

    async def _submit(
        self, form: Form, read: Draft, actor: Actor, outcome: _Submit, event_key: str
    ) -> FormView:
        """Hand the answers to the form's submit, in one transaction with the update's key."""
        draft = outcome.draft
        env = self._env(draft, actor)
        relevant = {
            s.key: draft.answers[s.key]
            for s in form.steps
            if s.relevant(draft.answers, env) and s.key in draft.answers
        }
        draft = replace(draft, answers=relevant)
        spec = self.specs[form.id]
        async with self.db.transaction() as conn:
            drafts = DraftRepository(conn)
            if not await ProcessedUpdates(conn).mark(
                event_key, user_id=actor.user_id, now=self._clock()
            ):
                raise DraftChanged
            current = await drafts.get(read.id)
            if current is None or current.revision != read.revision:
                raise DraftChanged
            try:
                submitted = await spec.submit(conn, draft, actor, self._env(draft, actor))
            except Invalid as exc:
                # Without a summary the last answer was never saved: ask that question again.
                shown = outcome.asked if outcome.asked is not None else draft
                return self._view(form, shown, actor, error=exc.message, params=exc.params)
            afters = [submitted.after_commit]
            afters += [await hook(conn, draft, actor) for hook in self.on_submit]
            result = {
                "message": submitted.message,
                "params": dict(submitted.params),
                "locale": self._tr(form, draft, actor).locale,
            }
            # The receipt stays without the answers, which now live in their own record.
            done = replace(draft, status="submitted", answers={}, context={}, result=result)
            await drafts.save(done, now=self._clock())
        return replace(self._receipt(form, done, actor), then=_in_turn(afters))

    # transitions: decided on the draft as read, written by _apply ---------------------------

    def _typed(self, form: Form, draft: Draft, actor: Actor, given: Input) -> _Write | _Submit:
        if draft.step == SUMMARY:
            return _Write(
                self._view(
                    form, draft, actor, error=N_("Please check the answers and press Submit.")
                )
            )
        step = form.steps[form.index(draft.step)]
        env = self._env(draft, actor)
        split = self._split_part(form, draft, actor, step, given)
        if split is not None:
            return split
        try:
            if step.kind.collects and hasattr(step.kind, "add"):
                pending = draft.context.get("pending", {}).get(step.key)
                draft = self._with_pending(draft, step.key, step.kind.add(pending, given))
                return _Write(self._view(form, draft, actor), save=draft)
            value = step.kind.parse(given, draft.answers, env)
        except Invalid as exc:
            view = self._view(form, draft, actor, error=exc.message, params=exc.params)
            if len(given.text or "") > getattr(step.kind, "max_len", MESSAGE_LIMIT):
                # Too long to keep, and perhaps the first part of a split text that a Telegram
                # app cut at a word or paragraph before 4,096: a tail within seconds is refused
                # with it, so it is never kept as a fragment.
                return _Write(view, save=self._mark_split(draft, step, given))
            return _Write(view)
        return self._decided(form, draft, actor, step, value)

    def _decided(
        self, form: Form, draft: Draft, actor: Actor, step: Step, value: Any
    ) -> _Write | _Submit:
        """An answer is accepted; a `Browse` only changes what the question shows."""
        if isinstance(value, Browse):
            draft = self._with_browse(draft, step.key, value.state)
            view = self._view(form, draft, actor, error=value.message, params=value.params)
            return _Write(view, save=draft)
        if isinstance(value, Pick):
            return self._accept(form, draft, actor, step, value.value, more=value.more)
        return self._accept(form, draft, actor, step, value)

    def _split_part(
        self, form: Form, draft: Draft, actor: Actor, step: Step, given: Input
    ) -> _Write | None:
        """A long text Telegram split into parts is one answer: too long, so none of it is kept.

        The first part fills a whole message; the parts after it arrive within seconds. Each
        is refused without keeping anything (the first with the reason, the rest quietly), so
        a shortened text typed afterwards is the whole answer, not added to a fragment.
        """
        if given.kind != "text" or given.sent_at is None:
            return None
        marker = draft.context.get("split") or {}
        tail = (
            marker.get("step") == step.key
            and given.sent_at - datetime.fromisoformat(marker["at"]) <= SPLIT_WINDOW
        )
        if not tail and len(given.text or "") < MESSAGE_LIMIT:
            return None
        draft = self._mark_split(draft, step, given)
        if tail:
            return _Write(FormView(Safe(""), quiet=True), save=draft)
        limit = getattr(step.kind, "max_len", None)
        error = (
            N_(
                "That text was longer than one Telegram message, so it arrived in parts; none "
                "of it was kept. At most {limit} characters fit here: please shorten it and "
                "send it again."
            )
            if limit is not None
            else step.kind.wrong_type
        )
        params = {"limit": limit} if limit is not None else {}
        return _Write(self._view(form, draft, actor, error=error, params=params), save=draft)

    @staticmethod
    def _mark_split(draft: Draft, step: Step, given: Input) -> Draft:
        """Remember when a text too long for the step came: parts right after it are its tail."""
        if given.sent_at is None:
            return draft
        marked = {"step": step.key, "at": given.sent_at.isoformat()}
        return replace(draft, context={**draft.context, "split": marked})

    def _press(self, form: Form, draft: Draft, actor: Actor, action: str) -> _Write | _Submit:
        if action == "x":
            return _Write(self._cancel_question(form, draft, actor))
        if action == "xd":
            text = self._tr(form, draft, actor).gettext(
                N_("The form was cancelled and what you entered was deleted.")
            )
            return _Write(FormView(text, finished=True), delete=True)
        if action == "xk":
            text = self._tr(form, draft, actor).gettext(
                N_("Saved. Open the same form from the menu to continue.")
            )
            return _Write(FormView(text, finished=True), save=replace(draft, status="paused"))
        if action == "xc":
            return _Write(self._view(form, draft, actor))
        if action == "b":
            draft = self._back(form, draft, self._env(draft, actor))
        elif draft.step == SUMMARY and action == "ok":
            return _Submit(draft)
        elif draft.step == SUMMARY and action.startswith("e") and action[1:].isdigit():
            draft = self._change(form, draft, int(action[1:]))
        elif draft.step == SUMMARY:
            raise StaleButton
        else:
            step = form.steps[form.index(draft.step)]
            env = self._env(draft, actor)
            if action == "s" and step.optional:
                return self._accept(form, draft, actor, step, None)
            if action == "d" and step.kind.collects:
                return self._finish_collecting(form, draft, actor, step)
            if action == "c" and step.kind.collects:
                draft = self._with_pending(draft, step.key, None)
                return _Write(self._view(form, draft, actor), save=draft)
            if action.startswith("o") and action[1:].isdigit():
                options = step.kind.options(draft.answers, env)
                index = int(action[1:])
                if index >= len(options):
                    raise StaleButton
                if step.kind.collects:
                    draft = self._toggle(draft, step, options[index].value)
                    return _Write(self._view(form, draft, actor), save=draft)
                return self._accept(form, draft, actor, step, options[index].value)
            own = step.kind.press(action, draft.answers, env, self._browsed(draft, step.key))
            if own is None:
                raise StaleButton
            return self._decided(form, draft, actor, step, own)
        draft = self._advance(form, draft, actor)
        return _Write(self._view(form, draft, actor), save=draft)

    def _accept(
        self,
        form: Form,
        draft: Draft,
        actor: Actor,
        step: Step,
        value: Any,
        *,
        more: Mapping[str, Any] | None = None,
    ) -> _Write | _Submit:
        asked = draft
        answers = dict(draft.answers)
        # `more`: answers of later steps this one settles (a place found by typing).
        settled = {k: v for k, v in (more or {}).items() if k != step.key and k in form.keys}
        for key, new in ((step.key, value), *settled.items()):
            if answers.get(key, object()) != new:
                for cleared in form.steps[form.index(key)].clears:
                    answers.pop(cleared, None)
        answers[step.key] = value
        answers.update(settled)
        pending = {k: v for k, v in draft.context.get("pending", {}).items() if k != step.key}
        draft = replace(draft, answers=answers, context={**draft.context, "pending": pending})
        draft = self._advance(form, draft, actor)
        if draft.step == SUMMARY and not form.confirm:
            return _Submit(draft, asked=asked)
        return _Write(self._view(form, draft, actor), save=draft)

    def _finish_collecting(
        self, form: Form, draft: Draft, actor: Actor, step: Step
    ) -> _Write | _Submit:
        pending = draft.context.get("pending", {}).get(step.key)
        if not pending:
            if not step.optional:
                return _Write(self._view(form, draft, actor, error=step.kind.wrong_type))
            pending = None
        return self._accept(form, draft, actor, step, pending)

    # derived state ------------------------------------------------------------------------

    def _advance(self, form: Form, draft: Draft, actor: Actor) -> Draft:
        env = self._env(draft, actor)
        current = next(
            (
                step.key
                for step in form.steps
                if step.relevant(draft.answers, env) and step.key not in draft.answers
            ),
            SUMMARY,
        )
        # What a question showed (letters typed, a page) lasts while it is the question.
        browse = {k: v for k, v in draft.context.get("browse", {}).items() if k == current}
        if browse != draft.context.get("browse", {}):
            draft = replace(draft, context={**draft.context, "browse": browse})
        return replace(draft, step=current)

    def _back(self, form: Form, draft: Draft, env: Env) -> Draft:
        end = len(form.steps) if draft.step == SUMMARY else form.index(draft.step)
        for step in reversed(form.steps[:end]):
            if step.relevant(draft.answers, env) and step.key in draft.answers:
                answers = {k: v for k, v in draft.answers.items() if k != step.key}
                return replace(draft, answers=answers)
        return draft

    def _change(self, form: Form, draft: Draft, index: int) -> Draft:
        if index >= len(form.steps):
            raise StaleButton
        key = form.steps[index].key
        return replace(draft, answers={k: v for k, v in draft.answers.items() if k != key})

    def _toggle(self, draft: Draft, step: Step, value: str) -> Draft:
        chosen = list(draft.context.get("pending", {}).get(step.key) or [])
        if value in chosen:
            chosen.remove(value)
        else:
            limit = getattr(step.kind, "max_items", None)
            if limit is None or len(chosen) < limit:
                chosen.append(value)
        return self._with_pending(draft, step.key, chosen)

    @staticmethod
    def _browsed(draft: Draft, key: str) -> Mapping[str, Any]:
        """What the question `key` shows now: letters typed, a page (see `Browse`)."""
        state = draft.context.get("browse", {}).get(key)
        return state if isinstance(state, Mapping) else {}

    @staticmethod
    def _with_browse(draft: Draft, key: str, state: Mapping[str, Any]) -> Draft:
        browse = {**draft.context.get("browse", {}), key: dict(state)}
        return replace(draft, context={**draft.context, "browse": browse})

    @staticmethod
    def _with_pending(draft: Draft, key: str, value: Any) -> Draft:
        pending = {**draft.context.get("pending", {}), key: value}
        return replace(draft, context={**draft.context, "pending": pending})

    def _where(self, form: Form, draft: Draft) -> str:
        return "S" if draft.step == SUMMARY else str(form.index(draft.step))

    def _tr(self, form: Form, draft: Draft, actor: Actor) -> Tr:
        chosen = draft.answers.get(form.locale_key) if form.locale_key else None
        if chosen is None and draft.result:
            chosen = draft.result.get("locale")
        return translator(str(chosen) if chosen else actor.locale)

    def _env(self, draft: Draft, actor: Actor) -> Env:
        form = self.specs[draft.form_id].form
        return self._env_for(self._tr(form, draft, actor), actor, draft.context)

    # rendering ----------------------------------------------------------------------------

    def _view(
        self,
        form: Form,
        draft: Draft,
        actor: Actor,
        *,
        error: str | None = None,
        notice: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> FormView:
        env = self._env(draft, actor)
        tr = env.tr
        head: list[str] = []
        if notice:
            head.append(tr.gettext(notice))
        if error:
            head.append("⚠️ " + tr.gettext(error, **_numbers(tr, params or {})))
        if draft.step == SUMMARY:
            body, rows = self._summary(form, draft, env)
        else:
            body, rows = self._question(form, draft, env)
        return FormView(Safe("\n\n".join([*head, body])), rows)

    def _question(
        self, form: Form, draft: Draft, env: Env
    ) -> tuple[str, tuple[tuple[Offer, ...], ...]]:
        tr = env.tr
        index = form.index(draft.step)
        step = form.steps[index]
        where = str(index)
        params = step.prompt_params(draft.answers, env) if step.prompt_params else {}
        prompt = (step.prompt_for(draft.answers, env) if step.prompt_for else None) or step.prompt
        text = f"<b>{tr.gettext(form.title)}</b>\n{tr.gettext(prompt, **params)}"
        pending = draft.context.get("pending", {}).get(step.key)
        shown = step.kind.shown(draft.answers, env, self._browsed(draft, step.key))
        if shown is not None:
            if shown.note:
                text += "\n" + shown.note
            rows = [
                tuple(Offer(label, press(draft.id, where, action)) for label, action in row)
                for row in shown.rows
            ]
        else:
            rows = self._option_rows(step, draft, env, where, pending)
        if step.kind.collects:
            if pending and not isinstance(step.kind, Choice):
                text += "\n\n" + tr.gettext(
                    N_("Received: {what}"), what=Safe(step.kind.render(pending, {}, env))
                )
            if pending or not step.optional:
                done = tr.pgettext("button", "Done")
                rows.append((Offer("✔️ " + done, press(draft.id, where, "d")),))
            if pending and not isinstance(step.kind, Choice):
                # What was received can always be taken back and sent again.
                clear = tr.pgettext("button", "Clear what was received")
                rows.append((Offer("🗑 " + clear, press(draft.id, where, "c")),))
        rows.append(self._nav(form, draft, step, tr, where, has_pending=bool(pending)))
        return text, tuple(rows)

    def _option_rows(
        self, step: Step, draft: Draft, env: Env, where: str, pending: Any
    ) -> list[tuple[Offer, ...]]:
        """One button per option (`o<index>`), `columns` to a row; ✅ on chosen ones."""
        options = step.kind.options(draft.answers, env)
        chosen = set(pending or ()) if isinstance(step.kind, Choice) and step.kind.collects else ()
        option_buttons = [
            Offer(
                ("✅ " if o.value in chosen else "") + o.text(env.tr),
                press(draft.id, where, f"o{i}"),
            )
            for i, o in enumerate(options)
        ]
        return [
            tuple(option_buttons[i : i + step.kind.columns])
            for i in range(0, len(option_buttons), step.kind.columns)
        ]

    def _nav(
        self, form: Form, draft: Draft, step: Step, tr: Tr, where: str, *, has_pending: bool
    ) -> tuple[Offer, ...]:
        nav = []
        if any(s.key in draft.answers for s in form.steps[: form.index(step.key)]):
            nav.append(Offer("◀️ " + tr.pgettext("button", "Back"), press(draft.id, where, "b")))
        # Skip while nothing is collected yet; once something is, Done keeps it.
        if step.optional and not has_pending:
            nav.append(Offer("⏭ " + tr.pgettext("button", "Skip"), press(draft.id, where, "s")))
        nav.append(Offer("✖️ " + tr.pgettext("button", "Cancel"), press(draft.id, where, "x")))
        return tuple(nav)

    def _summary(
        self, form: Form, draft: Draft, env: Env
    ) -> tuple[str, tuple[tuple[Offer, ...], ...]]:
        tr = env.tr
        lines = [f"<b>{tr.gettext(form.title)}</b>", tr.gettext(N_("Please check your answers:"))]
        changes = []
        for i, step in enumerate(form.steps):
            if not step.relevant(draft.answers, env) or step.key not in draft.answers:
                continue
            value = draft.answers[step.key]
            shown = (
                step.kind.render(value, draft.answers, env)
                if value is not None
                else tr.gettext(N_("skipped"))
            )
            label = tr.gettext(step.label or step.prompt)
            lines.append(f"• <b>{label}</b>: {shown}")
            changes.append(
                Offer("✏️ " + tr.label(step.label or step.prompt), press(draft.id, "S", f"e{i}"))
            )
        rows = [tuple(changes[i : i + 2]) for i in range(0, len(changes), 2)]
        rows.append((Offer("✅ " + tr.pgettext("button", "Submit"), press(draft.id, "S", "ok")),))
        rows.append(
            (
                Offer("◀️ " + tr.pgettext("button", "Back"), press(draft.id, "S", "b")),
                Offer("✖️ " + tr.pgettext("button", "Cancel"), press(draft.id, "S", "x")),
            )
        )
        return "\n".join(lines), tuple(rows)

    def _cancel_question(self, form: Form, draft: Draft, actor: Actor) -> FormView:
        tr = self._tr(form, draft, actor)
        where = self._where(form, draft)
        return FormView(
            tr.gettext(
                N_("Leave this form? You can delete what you entered or keep it to finish later.")
            ),
            (
                (Offer("🗑 " + tr.pgettext("button", "Delete"), press(draft.id, where, "xd")),),
                (
                    Offer(
                        "💾 " + tr.pgettext("button", "Keep for later"),
                        press(draft.id, where, "xk"),
                    ),
                ),
                (
                    Offer(
                        "↩️ " + tr.pgettext("button", "Continue the form"),
                        press(draft.id, where, "xc"),
                    ),
                ),
            ),
        )

    def _receipt(self, form: Form, draft: Draft, actor: Actor) -> FormView:
        tr = self._tr(form, draft, actor)
        result = draft.result or {}
        return FormView(
            tr.gettext(
                result.get("message", N_("Received. Thank you!")), **result.get("params", {})
            ),
            finished=True,
        )


def option_list(pairs: Sequence[tuple[str, str]]) -> tuple[Option, ...]:
    """Options from (value, msgid) pairs."""
    return tuple(Option(value, label) for value, label in pairs)
