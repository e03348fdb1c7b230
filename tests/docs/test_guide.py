"""The user guide (docs/huong-dan/, issue #17 item 6) stays true to the app: every picture
it shows exists and is small, every link resolves, every ``sadec-desk`` command it names
is one the real command-line parser accepts, and the printable kiosk page is one A4 page
holding what its markdown says."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from sadec_desk.cli import build_parser
from sadec_desk.tools import guide

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "huong-dan"
PAGES = sorted(GUIDE.glob("*.md"))
LINK = re.compile(r"(!?)\[[^\]]*\]\(([^)\s]+)\)")
INLINE_COMMAND = re.compile(r"`((?:\.venv/bin/)?sadec-desk(?: [^`]*)?)`")


def links(page: Path) -> list[tuple[bool, str]]:
    """(is a picture, target) of every markdown link of a page."""
    return [(bang == "!", target) for bang, target in LINK.findall(page.read_text("utf-8"))]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to '-'."""
    text = unicodedata.normalize("NFC", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(line.lstrip("#")) for line in page.read_text("utf-8").splitlines()
            if line.startswith("#")}


def commands(page: Path) -> list[str]:
    """The sadec-desk command lines of a page: inline code and lines of code blocks."""
    found = []
    in_block = False
    for line in page.read_text("utf-8").splitlines():
        if line.strip().startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            text = line.split(" #", 1)[0].strip()
            if re.match(r"(\.venv/bin/)?sadec-desk\b", text):
                found.append(text)
        else:
            found.extend(INLINE_COMMAND.findall(line))
    return found


def test_the_guide_has_its_four_parts_and_the_readme_links_it():
    names = {p.name for p in PAGES}
    assert {"README.md", "can-bo-mot-cua.md", "lanh-dao.md", "kiosk-cong-dan.md",
            "it.md"} <= names
    index_targets = {target for _pic, target in links(GUIDE / "README.md")}
    assert {"can-bo-mot-cua.md", "lanh-dao.md", "kiosk-cong-dan.md", "kiosk-cong-dan.pdf",
            "it.md"} <= index_targets
    readme_targets = {target for _pic, target in links(ROOT / "README.md")}
    assert {"docs/huong-dan/README.md", "docs/huong-dan/it.md"} <= readme_targets


@pytest.mark.parametrize("page", [*PAGES, ROOT / "README.md"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_and_picture_resolves(page):
    checked = 0
    for picture, target in links(page):
        if re.match(r"[a-z]+:", target):
            continue  # an address on the web: not checked offline
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f"{page.name}: {target} does not exist"
        if anchor and resolved.suffix == ".md":
            assert anchor in anchors(resolved), f"{page.name}: no heading for #{anchor}"
        if picture and page.parent == GUIDE:
            assert resolved.suffix == ".png" and resolved.parent == GUIDE / "hinh", target
            assert resolved.stat().st_size <= guide.MAX_PICTURE_BYTES, target
        checked += 1
    assert checked, f"{page.name} links nothing (not even the index)"


def test_every_picture_is_used_and_made_by_the_tool():
    used = {Path(target).name for page in PAGES for pic, target in links(page) if pic}
    stored = {p.name for p in (GUIDE / "hinh").glob("*.png")}
    assert used == stored  # no picture missing, none left over
    assert stored <= set(guide.PICTURES)  # each can be taken again with tools.guide images


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_command_the_guide_names_exists(page):
    parser = build_parser()
    for line in commands(page):
        words = shlex.split(line)[1:]
        try:
            parser.parse_args(words)
        except SystemExit:
            pytest.fail(f"{page.name}: the CLI does not accept `{line}`")


def test_the_guide_names_commands():
    assert sum(len(commands(page)) for page in PAGES) >= 10


def test_a_wrong_command_would_be_caught():
    """The check above parses for real: an invented command or option is refused."""
    parser = build_parser()
    for words in (["report", "exprt"], ["printer", "test", "--no-such-option"]):
        with pytest.raises(SystemExit):
            parser.parse_args(words)


def test_the_kiosk_page_prints_on_one_a4_page(tmp_path):
    out = guide.make_kiosk_pdf(out=tmp_path / "kiosk.pdf")
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in data  # A4 portrait


def test_the_stored_kiosk_pdf_says_what_the_page_says():
    """kiosk-cong-dan.pdf was made from the current kiosk-cong-dan.md (re-run
    `python -m sadec_desk.tools.guide kiosk-pdf` after editing the page)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext missing (poppler-utils; bootstrap.sh test installs it)")
    text = subprocess.run(["pdftotext", "-layout", str(GUIDE / "kiosk-cong-dan.pdf"), "-"],
                          capture_output=True, text=True, check=True, timeout=60).stdout
    flat = " ".join(unicodedata.normalize("NFC", text).split())
    for kind, block in guide.markdown_blocks(guide.KIOSK_PAGE.read_text("utf-8")):
        if kind == "pictures":
            continue
        words = re.sub(r"\*\*|`|^(\d+\.|-|#+) ", "", block)
        assert " ".join(words.split()) in flat, f"not in the PDF: {words!r}"


def test_every_picture_has_a_screen_that_takes_it():
    """`python -m sadec_desk.tools.guide images` can take each picture again: its source
    is a file the screenshot tool or the guide's own shots save."""
    from sadec_desk.tools import guide_shots, screenshots

    saved_by_tools = set(re.findall(r'"(\d\d-[a-z0-9-]+\.png)"',
                                    Path(screenshots.__file__).read_text("utf-8")))
    saved_by_tools |= set(guide_shots.SHOTS)
    missing = {name: source for name, source in guide.PICTURES.items()
               if source not in saved_by_tools}
    assert not missing
