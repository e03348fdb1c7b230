"""The one translation function for everything a person reads (docs/design.md §6.4).

Message ids are the Vietnamese texts themselves: Vietnamese is the default and
needs no catalogue; other languages (English first) come from gettext catalogues
in ``sadec_desk/locale/<lang>/LC_MESSAGES/sadec_desk.mo`` selected with the
``ui.language`` setting.
"""

import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "sadec_desk"

_translation: gettext.NullTranslations = gettext.NullTranslations()


def set_language(language: str) -> None:
    """Switch the language of user-facing text ('vi' is the identity)."""
    global _translation
    if language in ("", "vi"):
        _translation = gettext.NullTranslations()
    else:
        _translation = gettext.translation(
            DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True
        )


def _(message: str) -> str:
    return _translation.gettext(message)
