"""Notices render in processes of their own (``PdfRenderer``), to the same bytes as in the
caller's process, and a rendering process that dies costs one attempt, not the worker."""

from __future__ import annotations

import shutil
import subprocess
import sys
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from pathlib import Path

import psutil
import pytest

from models.vocabulary import DocumentKind
from petitionflow.documents.render import (
    DEFAULT_FONT,
    FontMissing,
    PdfRenderer,
    common_font,
    fill,
    render_notice,
    render_pdf,
    template_text,
)

pytestmark = pytest.mark.skipif(
    not DEFAULT_FONT.is_file(), reason="the dashboard's assets (make) vendor the CJK font"
)
ISSUED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TEXT = fill(
    template_text(DocumentKind.acceptance_notice, None),
    {"unit": "东门社区", "petitioner": "张三", "title": "道路维修"},
)


def _children() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True)}


def test_renders_the_same_bytes_in_another_process() -> None:
    renderer = PdfRenderer(processes=1)
    pdf = renderer.render(TEXT, font=DEFAULT_FONT, title="当信受〔2026〕1号", issued_at=ISSUED)
    title = "当信受〔2026〕1号"
    assert pdf == render_notice(TEXT, font=DEFAULT_FONT, title=title, issued_at=ISSUED)
    rendering = set(renderer._pool()._processes or {})  # shared by the process's renderers
    assert rendering and rendering <= _children()  # the font was parsed in a child


def test_a_dead_rendering_process_fails_one_attempt_only() -> None:
    renderer = PdfRenderer(processes=1)
    renderer.render(TEXT, font=DEFAULT_FONT, title="x", issued_at=ISSUED)
    pool = renderer._pool()
    for pid in list(pool._processes or {}):  # what an out-of-memory kill does
        psutil.Process(pid).kill()
    with pytest.raises(BrokenProcessPool):
        for _ in range(3):  # the pool notices the death on its next use at the latest
            renderer.render(TEXT, font=DEFAULT_FONT, title="x", issued_at=ISSUED)
    assert renderer.render(TEXT, font=DEFAULT_FONT, title="x", issued_at=ISSUED).startswith(b"%PDF")


def test_a_missing_font_is_named_in_the_callers_process(tmp_path: Path) -> None:
    with pytest.raises(FontMissing, match="not found"):
        PdfRenderer().render(TEXT, font=tmp_path / "none.ttf", title="x", issued_at=ISSUED)


def _text_of(pdf: bytes, tmp_path: Path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (Debian's poppler-utils) is not installed"
    (tmp_path / "n.pdf").write_bytes(pdf)
    found = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(tmp_path / "n.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return found.stdout


def test_a_name_outside_gb2312_keeps_the_full_font_and_reads_back(tmp_path: Path) -> None:
    cut, covered = common_font(DEFAULT_FONT, cache=tmp_path / "fonts")
    rare = "王堃"  # 堃 (U+5803) is not in GB 2312: a 生僻字 of names
    assert ord("王") in covered and ord("堃") not in covered
    assert cut.stat().st_size < DEFAULT_FONT.stat().st_size / 3
    plain = fill(TEXT, {}) + "\n张三"
    named = plain + rare
    for text in (plain, named):
        pdf = render_notice(text, font=DEFAULT_FONT, title="x", issued_at=ISSUED)
        assert pdf == render_pdf(
            text,
            font=cut if text == plain else DEFAULT_FONT,
            title="x",
            issued_at=ISSUED,
        )
        assert "张三" in _text_of(pdf, tmp_path)
    assert rare in _text_of(
        render_notice(named, font=DEFAULT_FONT, title="x", issued_at=ISSUED), tmp_path
    )


CHILD = """
import sys
from datetime import UTC, datetime
from petitionflow.documents.render import DEFAULT_FONT, PdfRenderer

renderer = PdfRenderer(processes=1)
renderer.render("通知", font=DEFAULT_FONT, title="x", issued_at=datetime(2026, 3, 2, tzinfo=UTC))
print(*renderer._pool()._processes, flush=True)
sys.stdin.read()  # until killed
"""


def test_rendering_processes_exit_when_their_worker_is_killed() -> None:
    """A worker killed outright (SIGKILL, out of memory) runs no clean-up: its rendering
    processes must not wait for work for ever."""
    worker = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        cwd=Path(__file__).resolve().parents[2],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        rendering = [psutil.Process(int(pid)) for pid in worker.stdout.readline().split()]
        assert rendering and all(p.is_running() for p in rendering)
    finally:
        worker.kill()
        worker.wait()
    _, alive = psutil.wait_procs(rendering, timeout=30)
    assert not alive, [p.pid for p in alive]
