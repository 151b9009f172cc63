"""The typed context every handler gets: the kernel, the actor, the translator and `reply`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.core.access import Actor
from bot.core.kernel import Kernel
from bot.i18n import Tr, translator
from handlers.plumbing.render import reply

if TYPE_CHECKING:
    from bot.forms.view import FormView
    from handlers.plumbing.feature import Surface
    from handlers.plumbing.screen import Screen

T = TypeVar("T")


class BotData:
    """`application.bot_data`: holds the kernel once `post_init` has built it."""

    def __init__(self) -> None:
        self._kernel: Kernel | None = None
        self._surface: Surface | None = None

    @property
    def kernel(self) -> Kernel:
        if self._kernel is None:
            raise RuntimeError("the kernel is built in post_init; the application is not ready")
        return self._kernel

    @kernel.setter
    def kernel(self, value: Kernel) -> None:
        self._kernel = value

    @property
    def ready(self) -> bool:
        return self._kernel is not None

    @property
    def surface(self) -> Surface:
        """The installed features' commands and menu entries."""
        if self._surface is None:
            raise RuntimeError("no features installed")
        return self._surface

    @surface.setter
    def surface(self, value: Surface) -> None:
        self._surface = value


class AppContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Adds typed `kernel`, `actor`, `tr` and `reply`; the actor is bound in handler group -1.

    PTB builds one context per update and passes it through every handler group, so what
    group -1 binds here (the update and its actor) is there for the feature's handler.
    """

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._actor: Actor | None = None
        self._update: Update | None = None

    @property
    def kernel(self) -> Kernel:
        return self.bot_data.kernel

    def rules(self, kind: type[T]) -> T:
        """A feature's rules object, by its class."""
        return self.bot_data.kernel.get(kind)

    def bind(self, update: Update, actor: Actor | None) -> None:
        """Remember the update being handled and who is behind it."""
        self._update = update
        if actor is not None:
            self._actor = actor

    @property
    def actor(self) -> Actor:
        if self._actor is None:
            raise RuntimeError("no actor: the update had no user")
        return self._actor

    @actor.setter
    def actor(self, value: Actor) -> None:
        self._actor = value

    @property
    def has_actor(self) -> bool:
        return self._actor is not None

    @property
    def tr(self) -> Tr:
        if self._actor is not None:
            return translator(self._actor.locale)
        return translator(self.bot_data.kernel.settings.default_language)

    @property
    def incoming(self) -> Update:
        if self._update is None:
            raise RuntimeError("no update bound: bind() runs in handler group -1")
        return self._update

    async def reply(self, shown: Screen | FormView) -> None:
        """Answer the bound update with a screen (or a form's view)."""
        await reply(self.incoming, self, shown)


# The application as the wiring builds it: our context and bot data types.
AyilApp = Application[Any, AppContext, dict[Any, Any], dict[Any, Any], BotData, Any]
