"""How the organisation's Word documents look: who they are by, and its letterhead."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class DocumentSetup:
    """The author named in every document and the letterhead (a .docx) it is built on."""

    organisation: str = ""  # AYILBOT_ORGANISATION; empty: the documents name "ayilbot"
    letterhead: Path | None = None  # AYILBOT_LETTERHEAD: its styles, header and footer
