"""What every printed paper of the office carries: the office's name and the Vietnamese
fonts configured for printing (``printing.font_file``, ``printing.bold_font_file``).

The thermal slips, the A4/A5 documents and the report exports all take them from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sadec_desk.printers.fonts import FontPair, find_fonts

if TYPE_CHECKING:
    from sadec_desk.services.context import AppContext


def office_name(ctx: AppContext) -> str:
    """The office's name as printed: the office row's, else the ``office.name`` setting."""
    return ctx.office().name or ctx.config["office.name"]


def fonts(ctx: AppContext) -> FontPair:
    """The regular and bold font files to draw Vietnamese with; a sentence if none is found."""
    return find_fonts(ctx.config["printing.font_file"], ctx.config["printing.bold_font_file"])
