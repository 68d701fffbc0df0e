"""Screenshots of the studio for docs/: desktop (1280x720) and phone (390x844).

Starts ``poseloops serve --port 0`` (the command on PATH beside this Python), opens the page
in Debian's Chromium with Playwright, makes a loop from the dice with a locked seed (the
same picture each run), plays it, edits a cell, locks the kick row and bar 2, and writes docs/studio-desktop.png and docs/studio-phone.png.

    PYTHONPATH=src .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]
SHOTS = {  # file -> (viewport, phone?)
    "studio-desktop.png": ({"width": 1280, "height": 720}, False),
    "studio-phone.png": ({"width": 390, "height": 844}, True),
}
LOCKED_SEED = "20261203"  # a dice roll and loop that show every colour of the grid
READY_TIMEOUT_S = 180


def start_server() -> tuple[subprocess.Popen, str]:
    poseloops = Path(sys.executable).parent / "poseloops"
    process = subprocess.Popen([str(poseloops), "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + READY_TIMEOUT_S
    for line in process.stdout:
        found = re.search(r"http://[\d.]+:\d+/", line)
        if found:
            return process, found.group(0)
        if time.monotonic() > deadline:
            break
    process.terminate()
    raise SystemExit("poseloops serve printed no address")


def shoot(browser, url: str, name: str, viewport: dict, phone: bool) -> Path:
    options = {"device_scale_factor": 2, "is_mobile": True, "has_touch": True} if phone else {}
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']", timeout=READY_TIMEOUT_S * 1000)
    page.fill("#rng-seed", LOCKED_SEED)
    page.press("#rng-seed", "Enter")
    take = page.evaluate("window.studio.store.getState().take")
    page.locator("#dice-roll").click()
    page.wait_for_function("t => window.studio.store.getState().take > t", arg=take, timeout=60_000)
    page.wait_for_function("() => window.studio.player.playing")
    page.click("#loop-grid .cell[data-step='50'][data-drum='7']")  # an edit, to show its colour
    page.click("#loop-grid .head-lock-row[data-drum='0']")  # locks, to show how a kept row and bar look
    page.click("#loop-grid .head-lock-bar[data-bar='1']")
    if phone:
        page.wait_for_timeout(800)  # Roll scrolled the loop and Play into view
    else:
        page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(700)  # the playhead moves on, the edit is heard
    path = DOCS / name
    page.screenshot(path=str(path))
    context.close()
    return path


def main() -> None:
    process, url = start_server()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name, (viewport, phone) in SHOTS.items():
                print(shoot(browser, url, name, viewport, phone))
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
