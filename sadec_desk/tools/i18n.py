"""Keep the gettext catalogues up to date (docs/design.md §6.4).

Message ids are the Vietnamese texts of the source; each other language has a catalogue
``sadec_desk/locale/<lang>/LC_MESSAGES/sadec_desk.po`` (edited by translators) and its
compiled ``.mo`` (shipped in the package, loaded by :mod:`sadec_desk.i18n`).

    python -m sadec_desk.tools.i18n update     # extract the strings, merge into every .po
    python -m sadec_desk.tools.i18n compile    # .po -> .mo
    python -m sadec_desk.tools.i18n check      # list untranslated strings of the interface

Only ``_("...")`` is extracted: the official texts, Vietnamese whatever the interface
language, are written ``vietnamese("...")`` and stay out of the catalogue.

Needs Babel (the ``test`` extra); the application itself only reads the ``.mo`` files.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
ROOT = PACKAGE.parent
LOCALE = PACKAGE / "locale"
DOMAIN = "sadec_desk"
LANGUAGES = ("en",)
#: source folders scanned for ``_("...")`` (db/ and printers/ install under sadec_desk)
SOURCES = (PACKAGE, ROOT / "db", ROOT / "printers")
#: the strings that must be translated before a release: every string of the windows, and
#: of the services, the sync and the command line, whose sentences reach the windows and the
#: IT officer's console (python -m sadec_desk.tools.i18n check; tests/gui/test_language.py)
REQUIRED_PREFIXES = ("sadec_desk/views/", "sadec_desk/services/", "sadec_desk/sync/",
                     "sadec_desk/cli/")
#: official texts (what the provincial gateway and the portal receive, the papers handed to
#: citizens, the notes stored in a dossier's history) are written ``vietnamese("...")``, not
#: ``_("...")``, in the sources (sadec_desk/i18n.py): the extractor looks for ``_`` only, so
#: they are not in the catalogue and never translated.


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def table_messages() -> list[tuple[str, str]]:
    """(text, where) of labels kept in plain tables and translated where shown
    (``_(ROLE_LABELS[role])``): the extractor cannot see them as ``_()`` calls."""
    from sadec_desk.services import access
    from sadec_desk.services.printing import jobs

    tables = (("sadec_desk/services/access.py:ROLE_LABELS", access.ROLE_LABELS),
              ("sadec_desk/services/printing/jobs.py:STATUS_LABELS", jobs.STATUS_LABELS),
              ("sadec_desk/services/printing/jobs.py:KIND_LABELS", jobs.KIND_LABELS))
    return [(text, where) for where, table in tables for text in table.values()]


def extract():
    """A template catalogue of every ``_()`` string in the sources."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="Sa Đéc Desk", charset="utf-8")
    for folder in SOURCES:
        if not folder.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
                str(folder), method_map=[("**.py", "python")], keywords={"_": None},
                comment_tags=("TRANSLATORS:",)):
            if not message:
                continue
            where = (folder.relative_to(ROOT) / filename).as_posix()
            template.add(message, locations=[(where, lineno)], auto_comments=comments,
                         context=context)
    for text, where in table_messages():
        template.add(text, locations=[(where, 0)])
    return template


def read(language: str):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, project="Sa Đéc Desk", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def write(catalog, language: str) -> Path:
    from babel.messages.pofile import write_po

    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False, ignore_obsolete=True)
    return path


def update() -> None:
    template = extract()
    for language in LANGUAGES:
        catalog = read(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.fuzzy = False  # the header: a fuzzy header makes gettext ignore the charset
        print(f"{write(catalog, language)}: {len(catalog)} strings")


def compile_all() -> None:
    from babel.messages.mofile import write_mo

    for language in LANGUAGES:
        catalog = read(language)
        out = po_path(language).with_suffix(".mo")
        with out.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        done = sum(1 for m in catalog if m.id and m.string and not m.fuzzy)
        print(f"{out}: {done} of {len(catalog)} strings translated")


def untranslated(language: str, prefixes=REQUIRED_PREFIXES) -> list[str]:
    """Required strings (by source location) without a translation in the catalogue."""
    template = extract()
    catalog = read(language)
    missing = []
    for message in template:
        if not message.id:
            continue
        if not any(loc.startswith(prefixes) for loc, _line in message.locations):
            continue
        done = catalog.get(message.id)
        if done is None or not done.string or done.fuzzy:
            missing.append(message.id)
    return missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sadec_desk.tools.i18n")
    parser.add_argument("action", choices=("update", "compile", "check"))
    args = parser.parse_args(argv)
    if args.action == "update":
        update()
    elif args.action == "compile":
        compile_all()
    else:
        bad = 0
        for language in LANGUAGES:
            for text in untranslated(language):
                print(f"{language}: {text!r}")
                bad += 1
        print(f"{bad} required strings untranslated")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
