"""Page furniture for 'My careers record': fonts, wrapped paragraphs and ruled tables.

fpdf2's own tables and ``multi_cell`` re-measure text character by character;
a 500-entry record took ten seconds that way.  Here words are measured once
(cached) and wrapped greedily, which keeps a long record well under a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.prefs import ViewerPreferences

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
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


class Layout(FPDF):
    """A4 pages with a footer; DejaVu Sans when the text needs more than Latin-1."""

    def __init__(self, footer_text: str, needs_unicode: bool) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.family, self.unicode = (
            add_unicode_font(self) if needs_unicode else ("Helvetica", False)
        )
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

    def style(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family, "B" if bold else "", size)

    def text_of(self, value: object) -> str:
        text = "" if value is None else str(value)
        return text if self.unicode else text.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-12)
        self.style(7)
        self.cell(0, 5, self.text_of(f"{self.footer_text}  |  page {self.page_no()}"), align="C")

    # -- measuring and wrapping ---------------------------------------------------
    def _width(self, word: str) -> float:
        key = (self.font_style, self.font_size_pt, word)
        found = self._widths.get(key)
        if found is None:
            found = self._widths[key] = self.get_string_width(word)
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
            if current and self.get_string_width(current + char) > width:
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
            self.text(self.l_margin, self.get_y() + height * 0.75, line)
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
                    self.text(x + PAD, y + PAD / 2 + number * LINE + LINE * 0.72, line)
            x += width
        self.set_xy(self.l_margin, y + height)
