"""Page furniture for 'My careers record': fonts, wrapped paragraphs and ruled tables.

Fonts: DejaVu Sans, then, for characters it lacks, fallback fonts found at Debian's
paths (fonts-noto-core's Noto Sans faces, fonts-droid-fallback for Chinese, Japanese and
Korean), registered only when the text needs them.  A character no installed font covers
is never dropped: the PDF is refused (:class:`PdfCannotShow`) naming the field.

fpdf2's own tables and ``multi_cell`` re-measure text character by character;
a 500-entry record took ten seconds that way.  Here words are measured once
(cached) and wrapped greedily, which keeps a long record well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.prefs import ViewerPreferences

from ledger.domain.errors import FieldProblem, LedgerError

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
# Debian's paths: fonts-droid-fallback (CJK, 1.8 MB) and fonts-noto-core (12 MB).  Tried in
# this order for each character DejaVu Sans lacks; a glob is expanded, sorted, at use.
FALLBACK_FONTS = (
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans[A-Z]*-Regular.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
CJK_FONT = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
LATIN_1 = frozenset(range(256))
# Not drawn as glyphs: line breaks are handled by the layout, and format characters
# (zero-width joiners, marks) have no visible glyph of their own in most fonts.
INVISIBLE = frozenset({0x0A, 0x0D, 0x09, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0xFEFF})
LINE = 4.5
PAD = 1.0


def unicode_font() -> tuple[Path, Path] | None:
    """DejaVu Sans (regular, bold) where the system has it (Debian's fonts-dejavu)."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


def add_unicode_font(pdf: FPDF) -> tuple[str, bool]:
    """Register DejaVu Sans on ``pdf`` if available: (font family, whether it covers Unicode).

    Without it the core Helvetica font is used, which covers Latin-1 only.
    """
    found = unicode_font()
    if found is None:
        return "Helvetica", False
    pdf.add_font("DejaVu", "", str(found[0]))
    pdf.add_font("DejaVu", "B", str(found[1]))
    return "DejaVu", True


class PdfCannotShow(LedgerError):
    """Text in a script none of the installed fonts covers: refused, never dropped."""

    code = "pdf_cannot_show_script"
    status = 422
    title = "The PDF cannot show this record"


def cjk_font() -> Path | None:
    """Debian's fonts-droid-fallback (Chinese, Japanese, Korean), when installed."""
    found = Path(CJK_FONT)
    return found if CJK_FONT in FALLBACK_FONTS and found.is_file() else None


def _fallback_paths() -> list[Path]:
    paths: list[Path] = []
    for pattern in FALLBACK_FONTS:
        found = Path(pattern)
        matches = sorted(found.parent.glob(found.name)) if "*" in pattern else [found]
        paths.extend(p for p in matches if p.is_file() and p not in paths)
    return paths


@cache
def _coverage(path: Path) -> frozenset[int]:
    """The code points a font file has glyphs for (its cmap), read once per process."""
    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def _covered(families: Mapping[str, frozenset[int]], code: int) -> bool:
    return code in INVISIBLE or any(code in cover for cover in families.values())


def _strings(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item, path)


def covered_by(family: str, unicode: bool) -> dict[str, frozenset[int]]:
    """What ``add_unicode_font``'s answer covers: DejaVu Sans's cmap, or Latin-1."""
    found = unicode_font() if unicode else None
    return {family: _coverage(found[0]) if found else LATIN_1}


def refusal(
    fields: Iterable[str], instead: str = "Use the JSON or CSV export, which keep every character."
) -> PdfCannotShow:
    named = sorted(set(fields))
    return PdfCannotShow(
        f"The PDF cannot show the text of {', '.join(named)}: it is in a script none of "
        f"the PDF's installed fonts covers, and the PDF never leaves characters out. {instead}",
        tuple(FieldProblem(f, "in a script the PDF's fonts cannot show") for f in named),
    )


class Layout(FPDF):
    """A4 pages with a footer; DejaVu Sans when the text needs more than Latin-1, with
    fallback fonts for the characters it lacks.

    ``fields`` is every piece of text the document may show, by field name: checked
    before anything is drawn, so a character no font covers refuses the PDF naming its
    field (:class:`PdfCannotShow`), and only the fallback fonts the text needs are loaded.
    """

    def __init__(self, footer_text: str, fields: Mapping[str, object]) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        strings = list(_strings(fields, ""))
        needs_unicode = any(ord(c) > 0xFF for _, text in strings for c in text)
        self.family, self.unicode = (
            add_unicode_font(self) if needs_unicode else ("Helvetica", False)
        )
        self.covers = covered_by(self.family, self.unicode)
        if self.unicode:
            self._add_fallbacks({c for _, text in strings for c in text})
        missing = [
            field for field, text in strings if not all(_covered(self.covers, ord(c)) for c in text)
        ]
        if missing:
            raise refusal(missing)
        self._widths: dict[tuple[str, float, str], float] = {}
        self.set_auto_page_break(True, margin=15)
        # What fpdf2 can mark: the language (en-GB, for screen readers), the title shown
        # in the window, and each heading as a bookmark.  It writes no tagged structure
        # (headings, paragraphs, tables) for text, so the PDF is not PDF/UA.
        self.set_lang("en-GB")
        self.set_title("My careers record")
        self.set_creator("Careers Ledger")
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)
        self.add_page()
        self.style(9)

    def _add_fallbacks(self, chars: set[str]) -> None:
        """Register, in order, each fallback font that covers a character still missing."""
        needed = {ord(c) for c in chars} - self.covers[self.family] - INVISIBLE
        for number, path in enumerate(_fallback_paths()):
            if not needed:
                return
            cover = _coverage(path)
            if cover & needed:
                family = f"Fallback{number}"
                self.add_font(family, "", str(path))
                self.covers[family] = cover
                needed -= cover

    def style(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def text_of(self, value: object) -> str:
        """The text as drawn; a character no registered font covers refuses the PDF (the
        fields were checked up front, so this guards text built from them)."""
        text = "" if value is None else str(value)
        if not all(_covered(self.covers, ord(c)) for c in text):
            raise refusal(["the record's text"])
        return text

    def _runs(self, text: str) -> list[tuple[str, str]]:
        """``text`` split into (font family, characters) runs: DejaVu Sans where it has
        the glyph, else the first fallback font that has it."""
        if len(self.covers) == 1:
            return [(self.family, text)]
        runs: list[tuple[str, str]] = []
        for char in text:
            code = ord(char)
            family = next(
                (f for f, cover in self.covers.items() if code in cover or code in INVISIBLE),
                self.family,
            )
            if runs and runs[-1][0] == family:
                runs[-1] = (family, runs[-1][1] + char)
            else:
                runs.append((family, char))
        return runs

    def _in_font(self, family: str) -> tuple[str, str, float]:
        """Select ``family`` at the current size (fallback fonts have no bold face); the
        font to go back to."""
        before = (self.font_family, self.font_style, self.font_size_pt)
        if family != self.family:
            self.set_font(family, "", before[2])
        return before

    def _string_width(self, text: str) -> float:
        width = 0.0
        for family, run in self._runs(text):
            before = self._in_font(family)
            width += self.get_string_width(run)
            self.set_font(*before)
        return width

    def _text(self, x: float, y: float, text: str) -> None:
        for family, run in self._runs(text):
            before = self._in_font(family)
            self.text(x, y, run)
            x += self.get_string_width(run)
            self.set_font(*before)

    def footer(self) -> None:
        self.set_y(-12)
        self.style(7)
        self.cell(0, 5, self.text_of(f"{self.footer_text}  |  page {self.page_no()}"), align="C")

    # -- measuring and wrapping ---------------------------------------------------
    def _width(self, word: str) -> float:
        key = (self.font_style, self.font_size_pt, word)
        found = self._widths.get(key)
        if found is None:
            found = self._widths[key] = self._string_width(word)
        return found

    def wrap(self, value: object, width: float) -> list[str]:
        lines: list[str] = []
        for paragraph in self.text_of(value).split("\n"):
            lines.extend(self._wrap_line(paragraph, width))
        return lines or [""]

    def _wrap_line(self, text: str, width: float) -> list[str]:
        lines, current, used = [], "", 0.0
        space = self._width(" ")
        for word in text.split(" "):
            for piece in self._split_long(word, width):
                size = self._width(piece)
                if current and used + space + size > width:
                    lines.append(current)
                    current, used = piece, size
                else:
                    current, used = (
                        (f"{current} {piece}", used + space + size)
                        if current
                        else (
                            piece,
                            size,
                        )
                    )
        lines.append(current)
        return lines

    def _split_long(self, word: str, width: float) -> list[str]:
        if self._width(word) <= width:
            return [word]
        pieces, current = [], ""
        for char in word:
            if current and self._string_width(current + char) > width:
                pieces.append(current)
                current = ""
            current += char
        return [*pieces, current]

    # -- drawing ------------------------------------------------------------------
    def heading(self, text: str) -> None:
        self.ln(3)
        self.style(13, bold=True)
        if self.get_y() + 8 > self.page_break_trigger:
            self.add_page()
            self.style(13, bold=True)
        self.start_section(self.text_of(text))  # a bookmark, on the page the heading is on
        self.cell(0, 8, self.text_of(text), new_x="LMARGIN", new_y="NEXT")
        self.style(9)

    def para(self, text: str, size: float = 9, bold: bool = False) -> None:
        self.style(size, bold)
        height = size * 0.55
        for line in self.wrap(text, self.epw):
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                self.style(size, bold)
            self._text(self.l_margin, self.get_y() + height * 0.75, line)
            self.set_y(self.get_y() + height)
        self.style(9)

    def table(  # type: ignore[override]
        self, headings: Sequence[str], widths: Sequence[float], rows: Iterable[Sequence[object]]
    ) -> None:
        """A ruled table; the heading row repeats on each new page."""
        heading = self._measure(headings, widths, bold=True)
        self._draw(heading, widths, bold=True)
        for values in rows:
            row = self._measure(values, widths)
            if self.get_y() + row[1] > self.page_break_trigger:
                self.add_page()
                self._draw(heading, widths, bold=True)
            self._draw(row, widths)
        self.style(9)

    def _measure(
        self, values: Sequence[object], widths: Sequence[float], bold: bool = False
    ) -> tuple[list[list[str]], float]:
        self.style(8, bold)
        wrapped = [self.wrap(v, w - 2 * PAD) for v, w in zip(values, widths, strict=True)]
        return wrapped, max(len(lines) for lines in wrapped) * LINE + PAD

    def _draw(
        self, row: tuple[list[list[str]], float], widths: Sequence[float], bold: bool = False
    ) -> None:
        self.style(8, bold)
        wrapped, height = row
        x, y = self.l_margin, self.get_y()
        self.set_fill_color(235, 235, 235)
        for lines, width in zip(wrapped, widths, strict=True):
            self.rect(x, y, width, height, style="DF" if bold else "D")
            for number, line in enumerate(lines):
                if line:
                    self._text(x + PAD, y + PAD / 2 + number * LINE + LINE * 0.72, line)
            x += width
        self.set_xy(self.l_margin, y + height)
