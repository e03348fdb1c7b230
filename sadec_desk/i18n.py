"""The one translation function for everything a person reads (docs/design.md §6.4).

Message ids are the Vietnamese texts themselves: Vietnamese is the default and
needs no catalogue; other languages (English first) come from gettext catalogues
in ``sadec_desk/locale/<lang>/LC_MESSAGES/sadec_desk.mo`` selected with the
``ui.language`` setting.

The interface language is the clerk's; official content is not: what is sent to the
provincial gateway and the portal, the papers handed to a citizen (Mẫu 01-06, the
thermal receipt, ticket and return slip, the declaration form, the poster) and the texts
stored in a dossier's history are Vietnamese whatever the interface shows. Such a text
is written ``vietnamese("...")`` instead of ``_("...")``: returned unchanged, and left out
of the catalogue by the extractor (sadec_desk/tools/i18n.py). A shared helper that
translates (a status label, a deadline label) gives its Vietnamese words for an official
paper when called inside ``with vietnamese_texts():``.
"""

import gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "sadec_desk"

_translation: gettext.NullTranslations = gettext.NullTranslations()
#: set inside :func:`vietnamese_texts`: ``_()`` then answers Vietnamese in this thread
#: (a context variable: the sync worker building a gateway record does not change the
#: language of the windows drawn meanwhile by the main thread)
_official: ContextVar[bool] = ContextVar("sadec_desk_official_texts", default=False)


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
    if _official.get():
        return message
    return _translation.gettext(message)


def vietnamese(text: str) -> str:
    """An official text, Vietnamese whatever the interface language (see the module
    docstring): returned unchanged; not in the catalogue."""
    return text


@contextmanager
def vietnamese_texts() -> Iterator[None]:
    """Within the block, ``_()`` returns the Vietnamese message id in this thread: for the
    words of shared, translating helpers that go onto an official paper or record."""
    token = _official.set(True)
    try:
        yield
    finally:
        _official.reset(token)
