"""Generate while the studio's server is down: the error is said beside Generate, which is marked
aria-invalid (described by the message), and nothing says a new loop was made. When the server is
back (the same command on the same port) and a variation that plays is picked, the error goes.
A server of this file's own, since it is stopped and started again.
"""

from __future__ import annotations

import os
import subprocess
from urllib.parse import urlsplit

import pytest

from .browser_harness import new_studio, wait_for_state
from .server_harness import POSELOOPS, LiveServer, start_server, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def own_server():
    server = start_server()
    yield server
    server.stop()


def start_again(server: LiveServer) -> LiveServer:
    """`poseloops serve` again on the port the page was opened from."""
    port = urlsplit(server.url).port
    process = subprocess.Popen(
        [str(POSELOOPS), "serve", "--port", str(port)], stdout=server.log_path.open("ab"), stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    again = LiveServer(server.url, process, server.log_path)
    wait_until(again, ready=True)
    return again


def test_generate_while_the_server_is_down_marks_generate_and_the_error_goes_when_a_variation_plays(browser, own_server):
    studio, context = new_studio(browser, own_server)
    try:
        studio.open()
        own_server.stop()
        studio.page.click("#generate")
        studio.page.wait_for_function("() => document.querySelector('#controls-message').classList.contains('error')")
        assert "does not answer" in studio.text("#controls-message")
        assert studio.page.get_attribute("#generate", "aria-invalid") == "true"
        assert studio.page.get_attribute("#generate", "aria-describedby") == "controls-message"
        assert "New loop" not in studio.status()

        again = start_again(own_server)
        try:
            studio.page.click("#variations .variation[data-index='1']")
            wait_for_state(studio, "s.variation === 1")
            studio.page.wait_for_function("() => window.studio.audio() && window.studio.audio().meta.variation === 1")
            studio.page.wait_for_function("() => !document.querySelector('#controls-message').textContent")
            assert studio.page.get_attribute("#generate", "aria-invalid") is None
            assert all("Failed to load resource" in e for e in studio.errors), studio.errors
        finally:
            again.stop()
    finally:
        context.close()
