"""``trace --html``: the page, rendered by a real headless Chromium, draws what the capture shows.

The test renders a copy of the page (its script-blocking policy removed) with a
probe appended that reads the laid-out geometry (``getBoundingClientRect``) of
every bar and failure mark into the DOM, then dumps the DOM. In the committed race capture, php-cgi exits on its own
after
20 requests and four requests hit a process as it exits: each red mark must sit
at the right end of a bar of a process that served exactly 20 requests.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CAPTURE = REPO / "tests" / "data" / "captures" / "race"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--hide-scrollbars", "--window-size=1180,800")
PROBE = """<script>
const box = e => { const r = e.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
document.body.dataset.layout = JSON.stringify({
  lives: [...document.querySelectorAll("rect.life")].map(e => ({pid: e.dataset.pid, requests: +e.dataset.requests,
    fate: e.dataset.fate, box: box(e)})),
  failures: [...document.querySelectorAll("circle.failure")].map(e => ({pid: e.dataset.pid, kind: e.dataset.kind,
    box: box(e)})),
  resources: performance.getEntriesByType("resource").length,
});
</script>"""

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs chromium (Debian package chromium; scripts/install-system-deps.sh)"
)


def page(tmp_path: Path) -> Path:
    out = tmp_path / "timeline.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fcgilint",
            "trace",
            str(CAPTURE / "strace.txt.gz"),
            str(CAPTURE / "error.log"),
            "--html",
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    return out


def browser(tmp_path: Path, *args: str) -> str:
    done = subprocess.run(
        [str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_page_is_self_contained(tmp_path: Path) -> None:
    text = page(tmp_path).read_text()
    assert (
        not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
        and "<script" not in text
        and "@import" not in text
    )
    assert "default-src 'none'" in text


def test_chromium_draws_each_race_at_the_end_of_a_process_that_served_the_limit(tmp_path: Path) -> None:
    probed = tmp_path / "probed.html"
    # it would block the probe
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page(tmp_path).read_text())
    probed.write_text(text.replace("</body>", PROBE + "</body>"))
    dom = browser(tmp_path, "--dump-dom", probed.as_uri())
    layout = json.loads(__import__("html").unescape(re.search(r'data-layout="([^"]*)"', dom).group(1)))
    assert layout["resources"] == 0  # nothing fetched
    lives = {life["pid"]: life for life in layout["lives"]}
    assert (
        len(lives) == 11
        and sum(1 for life in lives.values() if life["fate"] == "exited" and life["requests"] == 20) == 8
    )
    races = [f for f in layout["failures"] if f["kind"] == "request-limit-race"]
    assert len(races) == 4
    for race in races:
        bar = lives[race["pid"]]
        centre_x = (race["box"]["left"] + race["box"]["right"]) / 2
        centre_y = (race["box"]["top"] + race["box"]["bottom"]) / 2
        assert bar["requests"] == 20 and bar["fate"] == "exited"
        assert abs(centre_x - bar["box"]["right"]) <= 6, (race, bar)  # drawn where the process ended
        assert bar["box"]["top"] <= centre_y <= bar["box"]["bottom"]  # on that process's row
    rows = sorted(life["box"]["top"] for life in lives.values())
    assert all(b - a >= 10 for a, b in zip(rows, rows[1:], strict=False))  # one row each, none drawn over another


def test_a_screenshot_is_a_picture_of_the_page(tmp_path: Path) -> None:
    shot = tmp_path / "timeline.png"
    browser(tmp_path, f"--screenshot={shot}", page(tmp_path).as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
