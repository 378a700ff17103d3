"""The report in a real browser: headless Chromium renders the page and the screenshot shows it.

`make test` installs Debian's `chromium` when it is missing; without it this test is skipped.
The screenshot is decoded here (PNG, stdlib only) and must show the page's colours: the blue
value lines, the red of BAD days and the amber of WARNING days, on a page taller than the window.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from datetime import UTC, datetime

import duckdb
import pytest

from pipelines.report import build_report
from tests.integration.test_report import build_warehouse

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--hide-scrollbars",
)


def screenshot(page, png, width: int = 1280, height: int = 2400) -> None:
    subprocess.run(
        [CHROMIUM, *FLAGS, f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the rows of RGB(A) pixels of an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line) if bpp == 3 else bytes(b for j, b in enumerate(line) if j % 4 != 3))
        previous = line
    return width, height, rows


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (make test installs Debian's chromium)")
def test_the_page_renders_in_headless_chromium(warehouse_path, tmp_path):
    warehouse_path.parent.mkdir(parents=True)
    build_warehouse(warehouse_path)
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        page_html = build_report(con, None, datetime(2026, 4, 11, 6, 0, tzinfo=UTC), str(warehouse_path))
    page, png = tmp_path / "health.html", tmp_path / "health.png"
    page.write_text(page_html, encoding="utf-8")
    screenshot(page, png)
    width, height, rows = decode_png(png.read_bytes())
    assert (width, height) == (1280, 2400)
    colours = {row[i : i + 3] for row in rows[::2] for i in range(0, len(row), 6)}

    def near(rgb: tuple[int, int, int], tolerance: int = 40) -> bool:
        return any(all(abs(c[k] - rgb[k]) <= tolerance for k in range(3)) for c in colours)

    assert len(colours) > 50  # text, charts and badges, not a blank or error page
    assert near((0x25, 0x63, 0xEB))  # the value lines
    assert near((246, 212, 214), 12)  # BAD days: #e5484d at 22 % over the plot's #fbfcfd
    assert near((249, 228, 192), 12)  # WARNING days: #f5a524 at 28 % over #fbfcfd
    # the page is not cut: something is drawn in the lower half of the screenshot
    assert len({row for row in rows[height // 2 :]}) > 10
