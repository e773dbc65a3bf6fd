"""A notice as a PDF: an office's template (plain text, ``templates/README.txt``) filled with the
case's values and set in Noto Sans SC, embedded as a subset (fpdf2), so any reader — and
``pdftotext`` — shows the Chinese text without fonts of its own.

fpdf2 parses the whole font for every PDF, and Noto Sans SC has 65,000 glyphs: ~0.4 s of CPU per
notice. A notice whose every character is in GB 2312 (nearly all: the 生僻字 of a name are the
exception) is set from a copy of the same font cut down to GB 2312, ASCII and the notices'
punctuation (7,600 glyphs, 4× faster); any other keeps the full font. Both draw the same glyphs."""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.connection
import os
import tempfile
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from pathlib import Path
from string import Template
from typing import ClassVar

from fontTools import subset, ttLib
from fpdf import FPDF

from models.vocabulary import DocumentKind

DEFAULT_TEMPLATES = Path(__file__).with_name("templates")
# The Regular weight the dashboard's npm assets vendor (dashboard/vendor.mjs), packaged with it.
DEFAULT_FONT = (
    Path(__file__).resolve().parents[2]
    / "api/dashboard/static/vendor/noto-sans-sc-ttf/NotoSansSC-Regular.ttf"
)


# Where the cut-down fonts are kept between processes (built once per font file, ~4 s of CPU).
FONT_CACHE = Path(tempfile.gettempdir()) / "petitionflow-fonts"
IDEOGRAPHIC_SPACE = "\u3000"
MM_PER_POINT = 25.4 / 72


class FontMissing(FileNotFoundError):
    """The CJK font is not where the settings say (``make`` vendors it with the dashboard's
    assets)."""


def template_text(kind: DocumentKind, directory: Path | None) -> str:
    """The office's template of ``kind`` when it has one, else the shipped default."""
    for folder in (directory, DEFAULT_TEMPLATES):
        if folder is not None and (folder / f"{kind.value}.txt").is_file():
            return (folder / f"{kind.value}.txt").read_text(encoding="utf-8")
    raise FileNotFoundError(f"no template for {kind.value}")


def fill(template: str, values: dict[str, str]) -> str:
    """``${name}`` replaced; a name the case has no value for stays as written (an office's
    typo shows on the page instead of failing the case's projection)."""
    return Template(template).safe_substitute(values)


def render_pdf(text: str, *, font: Path, title: str, issued_at: datetime) -> bytes:
    """The filled template as an A4 PDF. The creation date is the issue's, so the same notice
    renders to the same bytes."""
    if not font.is_file():
        raise FontMissing(f"CJK font not found: {font}")
    pdf = FPDF(format="A4")
    pdf.set_creation_date(issued_at)
    pdf.set_title(title)
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(True, margin=25)
    pdf.add_font("noto", fname=str(font))
    pdf.add_page()
    for line in text.splitlines():
        line = line.rstrip()
        if line.startswith("# "):
            pdf.set_font("noto", size=20)
            pdf.multi_cell(0, 14, line[2:].strip(), align="C", new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("## "):
            pdf.set_font("noto", size=12)
            pdf.multi_cell(0, 9, line[3:].strip(), align="C", new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("> "):
            pdf.set_font("noto", size=13)
            pdf.multi_cell(0, 9, line[2:].strip(), align="R", new_x="LMARGIN", new_y="NEXT")
        elif not line:
            pdf.ln(6)
        else:  # a paragraph; its leading ideographic spaces (　　) indent its first line
            pdf.set_font("noto", size=13)
            text = line.lstrip(IDEOGRAPHIC_SPACE)
            pdf.set_x(pdf.l_margin + (len(line) - len(text)) * 13 * MM_PER_POINT)
            pdf.write(9, text)
            pdf.ln(9)
    return bytes(pdf.output())


def gb2312() -> frozenset[int]:
    """Every character of GB 2312 (its 6,763 hanzi and 682 symbols) and printable ASCII."""
    found = set(range(0x20, 0x7F)) | {ord(IDEOGRAPHIC_SPACE)}
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return frozenset(found)


_common: dict[Path, tuple[Path, frozenset[int]]] = {}  # per process: font → its GB 2312 cut


def common_font(font: Path, cache: Path = FONT_CACHE) -> tuple[Path, frozenset[int]]:
    """``font`` cut down to GB 2312, and the characters it has: built once per font file (by
    content) and kept in ``cache``; written whole or not at all (concurrent builders agree)."""
    if font in _common:
        return _common[font]
    digest = hashlib.sha256(font.read_bytes()).hexdigest()[:16]
    cut = cache / f"{font.stem}-{digest}-gb2312.ttf"
    if not cut.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        full = ttLib.TTFont(str(font), recalcTimestamp=False, lazy=True)
        subsetter = subset.Subsetter(subset.Options(notdef_outline=True, glyph_names=False))
        subsetter.populate(unicodes=gb2312())
        subsetter.subset(full)
        partial = cut.with_suffix(f".{os.getpid()}.part")
        full.save(str(partial))
        os.replace(partial, cut)
    covered = frozenset(ttLib.TTFont(str(cut), lazy=True).getBestCmap())
    _common[font] = (cut, covered)
    return _common[font]


def render_notice(text: str, *, font: Path, title: str, issued_at: datetime) -> bytes:
    """``render_pdf`` from the GB 2312 cut of ``font`` when it has every character of ``text``,
    else from ``font`` itself."""
    cut, covered = common_font(font)
    chosen = cut if all(ord(c) in covered for c in text if not c.isspace()) else font
    return render_pdf(text, font=chosen, title=title, issued_at=issued_at)


def _warm(font: Path) -> None:
    common_font(font)


def _exit_with_parent() -> None:
    """In each rendering process: exit as soon as the process that started it is gone. A killed
    worker (SIGKILL, out of memory) runs no clean-up, and a pool's processes hold both ends of
    their job queue, so they would otherwise wait for work for ever, ~150 MB each."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class PdfRenderer:
    """Renders notices in processes of their own. fpdf2 parses the 10 MB CJK font and subsets it
    for every PDF (~0.4 s of CPU, in fontTools); in the worker's process that would hold the GIL
    beside its workflow tasks and stall every case's updates while a notice renders. The calling
    thread (the projection's) only waits.

    The processes are the process's own, shared by every renderer of the same size and started
    at the first notice; spawned, not forked: the worker runs threads and an event loop, which a
    fork would copy half-way."""

    _pools: ClassVar[dict[int, ProcessPoolExecutor]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes

    def render(self, text: str, *, font: Path, title: str, issued_at: datetime) -> bytes:
        if not font.is_file():  # said here, in the worker's log, not from inside the pool
            raise FontMissing(f"CJK font not found: {font}")
        pool = self._pool()
        try:
            return pool.submit(
                render_notice, text, font=font, title=title, issued_at=issued_at
            ).result()
        except BrokenProcessPool:
            # A rendering process died (killed, out of memory): the next attempt — the
            # projection activity's retry — gets fresh ones.
            with self._lock:
                if self._pools.get(self.processes) is pool:
                    del self._pools[self.processes]
            pool.shutdown(wait=False, cancel_futures=True)
            raise

    def warm(self, font: Path) -> None:
        """Start the processes and build the font's GB 2312 cut now (at worker start), not at
        the first notice; not waited for."""
        if font.is_file():
            self._pool().submit(_warm, font)

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            pool = self._pools.get(self.processes)
            if pool is None:
                pool = self._pools[self.processes] = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_exit_with_parent,
                )
            return pool
