"""The typed context every handler gets: services, the actor, the translator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.clock import Clock
from bot.config import Settings
from bot.forms.engine import FormEngine
from bot.gazetteer import Gazetteer
from bot.i18n import Tr, translator
from bot.screen import Notifier
from bot.services.access import Access, Actor
from bot.services.assessments import AssessmentService
from bot.services.digests import DigestService
from bot.services.early_warning import EarlyWarningService
from bot.services.exports import ExportService
from bot.services.flood import FloodGuard
from bot.services.groups import GroupService
from bot.services.incidents import IncidentService
from bot.services.needs import NeedService
from bot.services.practices import PracticeService
from bot.services.privacy import PrivacyService
from bot.services.recommendations import RecommendationService
from bot.services.stats import StatsService
from bot.services.users import UserService
from storage.db import Database


@dataclass
class Services:
    """Everything the handlers may call, built once at start-up."""

    settings: Settings
    db: Database
    clock: Clock
    gazetteer: Gazetteer
    access: Access
    users: UserService
    privacy: PrivacyService
    forms: FormEngine
    notifier: Notifier
    flood: FloodGuard
    # Features add one typed field each here.
    incidents: IncidentService
    needs: NeedService
    assessments: AssessmentService
    practices: PracticeService
    groups: GroupService
    recommendations: RecommendationService
    # Weekly digests (#5).
    digests: DigestService
    # Early warning: rising tension per aiyl aimak (#11).
    early_warning: EarlyWarningService
    # Coordinator tools: exports and statistics (#6).
    exports: ExportService
    stats: StatsService


class BotData:
    """`application.bot_data`: holds the services once `post_init` has built them."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are built in post_init; the application is not ready")
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value

    @property
    def built(self) -> bool:
        """Whether post_init built the services."""
        return self._services is not None


class AppContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """Adds typed `services`, `actor` and `tr`; the actor is resolved in handler group -1."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._actor: Actor | None = None

    @property
    def services(self) -> Services:
        return self.bot_data.services

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
        return translator(
            self._actor.locale if self._actor else self.services.settings.default_language
        )
