"""The sound controls: the kit, the mixer (volume, pan, reverb; mute and solo from the row
labels), swing, groove and BPM the person chooses are what the page asks the server to render;
the mixer and the grid rows are named so a person can read them.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from .browser_harness import requests_to, set_slider, wait_for_state

pytestmark = pytest.mark.browser


def test_the_sound_controls_chosen_are_what_the_page_asks_to_render(desk):
    """BPM, swing, groove, the kit, a voice's volume and pan, the room's reverb: after each change
    the page's next /api/render request carries it and every change before it (a control that is
    never sent is never heard)."""
    assert desk.page.is_visible("#groove-control")  # this server renders groove
    settings = desk.state()["settings"]
    kit = next(k for k in desk.page.eval_on_selector_all("#kit option", "os => os.map(o => o.value)") if k not in ("synth", settings["kit"]))
    desk.page.click("#mixer summary")
    snare_gain = 0.35 if float(desk.page.input_value("[aria-label='snare volume']")) != 0.35 else 0.55
    changes = [
        ("#bpm", 97, ("bpm",), 97),
        ("#swing", 0.62, ("swing",), 0.62),
        ("#groove", 40, ("groove",), 0.4),
        ("#kit", kit, ("kit",), kit),
        ("[aria-label='snare volume']", snare_gain, ("mixer", "voices", "snare", "gain"), snare_gain),
        ("[aria-label='kick pan']", -0.6, ("mixer", "voices", "kick", "pan"), -0.6),
        ("[aria-label='room reverb']", 0.45, ("mixer", "reverb_wet"), 0.45),
    ]

    def sent(body: dict, path: tuple) -> object:
        for key in path:
            body = body.get(key) if isinstance(body, dict) else None
        return body

    renders = requests_to(desk, "/api/render")
    chosen: list[tuple[tuple, object]] = []
    for selector, value, path, expected in changes:
        chosen.append((path, expected))

        def carries_all(request, chosen=tuple(chosen)) -> bool:
            if not request.url.endswith("/api/render"):
                return False
            body = json.loads(request.post_data)
            return all(sent(body, p) == e for p, e in chosen)

        try:
            with desk.page.expect_request(carries_all, timeout=10_000):
                if selector == "#kit":
                    desk.page.select_option(selector, value)
                else:
                    set_slider(desk, selector, value)
        except PlaywrightTimeoutError:
            last = renders[-1] if renders else None
            raise AssertionError(f"after {selector} = {value}, no render request carries {chosen}; the last sent: "
                                 f"{ {key: value for key, value in (last or {}).items() if key != 'pattern'} }") from None


def test_mute_and_solo_from_the_row_labels_change_what_the_server_renders(desk, phone):
    sent = requests_to(desk, "/api/render")
    loop = desk.state()["loop"]["pattern"]
    assert any(0 in step for step in loop) and any(1 in step for step in loop)
    desk.page.click("#loop-grid [aria-label='Mute kick']")
    wait_for_state(desk, "s.settings.mute.includes(0)")
    desk.page.wait_for_function("() => document.querySelector(\"[aria-label='Mute kick']\").getAttribute('aria-pressed') === 'true'")
    desk.page.wait_for_timeout(300)
    heard = {drum for step in sent[-1]["pattern"]["pattern"] for drum in step}
    assert sent and 0 not in heard and heard, heard
    assert all("muted" in c for c in desk.page.eval_on_selector_all("#loop-grid .cell[data-drum='0']", "cs => cs.map(c => c.className)"))
    desk.page.focus("#loop-grid [aria-label='Solo snare']")
    desk.page.keyboard.press("Enter")
    wait_for_state(desk, "s.settings.solo.includes(1)")
    desk.page.wait_for_timeout(300)
    assert {drum for step in sent[-1]["pattern"]["pattern"] for drum in step} == {1}
    desk.page.keyboard.press("Enter")  # solo off
    desk.page.click("#loop-grid [aria-label='Mute kick']")  # mute off
    wait_for_state(desk, "s.settings.mute.length === 0 && s.settings.solo.length === 0")

    phone.page.locator("#loop-grid [aria-label='Mute snare']").tap()
    wait_for_state(phone, "s.settings.mute.includes(1)")


def test_mixer_names_and_grid_labels(desk):
    """The mixer says crash and ride; row labels end before the first column."""
    desk.page.click("#mixer summary")
    voices = desk.page.eval_on_selector_all("#mixer-body .voice-name", "els => els.map(e => e.textContent)")
    assert "crash" in voices and "ride" in voices and "clap" not in voices and "rim" not in voices, voices
    desk.page.click("#mixer summary")
    overlaps = desk.page.evaluate(
        """() => { for (const g of document.querySelectorAll('.grid')) g.scrollLeft = 0;  // the first column in view
                   return [...document.querySelectorAll('#loop-grid [role=row]:not(.bar-heads), #seed-grid [role=row]:not(.bar-heads)')].map(row => {
                 const name = row.querySelector('.label-name'), label = row.querySelector('.label');
                 const text = name.querySelector('.long').getBoundingClientRect();
                 const first = row.querySelector('.cell').getBoundingClientRect();
                 return { drum: name.textContent, textRight: text.right, labelRight: label.getBoundingClientRect().right,
                          first: first.left, clipped: name.scrollWidth > name.clientWidth + 1 }; })
               .filter(r => r.textRight > r.first || r.labelRight > r.first + 0.5 || r.clipped); }"""
    )
    assert overlaps == []
