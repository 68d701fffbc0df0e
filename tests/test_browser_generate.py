"""The generation controls: the style, fills, temperature, bars, seed length, dice and random
seed the person chooses are what the page asks the server for; a locked random seed gives the
same dice and loop again, unlocked a new one each time.
"""

from __future__ import annotations

import json

import pytest

from .browser_harness import Studio, requests_to, set_slider, wait_for_state

pytestmark = pytest.mark.browser


def roll(studio: Studio, use_tap: bool = False) -> dict:
    before = studio.state()
    locator = studio.page.locator("#dice-roll")
    locator.tap() if use_tap else locator.click()
    studio.page.wait_for_function("t => window.studio.store.getState().take > t", arg=before["take"], timeout=30_000)
    return studio.state()


def choose_other(studio: Studio, selector: str, wanted: str | None = None) -> str:
    """Select ``wanted`` in a select, or an option other than the one shown; the value chosen."""
    options = studio.page.eval_on_selector_all(f"{selector} option", "os => os.map(o => o.value)")
    value = wanted if wanted in options and wanted != studio.page.input_value(selector) else next(
        option for option in reversed(options) if option != studio.page.input_value(selector))
    studio.page.select_option(selector, value)
    return value


def test_the_generation_controls_chosen_are_what_the_page_asks_for(desk):
    """Style, fills, temperature, bars, the random seed, the seed length and the dice: a Roll sends
    the dice and the seed length to /api/seeds/dice and the generation controls to /api/generate,
    each as chosen, and the loop that comes back is as long as the bars chosen; Generate sends
    them again, with a new temperature."""
    assert desk.page.is_visible("#style-control") and desk.page.is_visible("#fill-control")  # this model has both
    style = choose_other(desk, "#style", "funk")
    fill_every = int(choose_other(desk, "#fill-every", "2"))
    bars = int(choose_other(desk, "#bars", "2"))
    set_slider(desk, "#temperature", 0.55)
    set_slider(desk, "#seed-length", 12)
    desk.tab("dice")
    set_slider(desk, "#dice-length", 3)
    set_slider(desk, "#dice-low", 1)
    set_slider(desk, "#dice-high", 6)
    desk.page.fill("#rng-seed", "4242")
    desk.page.press("#rng-seed", "Enter")
    desk.page.locator("#rng-seed").blur()
    wait_for_state(desk, "s.settings.rng_seed === 4242 && s.settings.rng_locked")
    dice, generated = requests_to(desk, "/api/seeds/dice"), requests_to(desk, "/api/generate")

    state = roll(desk)
    expected_dice = {"steps": 12, "length": 3, "low": 1, "high": 6, "rng_seed": 4242}
    assert len(dice) == 1 and {key: dice[0].get(key) for key in expected_dice} == expected_dice, dice
    assert len(generated) == 1, generated
    expected = {"style": style, "fill_every": fill_every, "temperature": 0.55, "rng_seed": 4242, "bars": bars}
    assert {key: generated[0].get(key) for key in expected} == expected, generated[0]
    assert len(generated[0]["seed"]["pattern"]) == 12
    assert len(state["loop"]["pattern"]) == 16 * bars and state["loop"]["seed_length"] == 12
    assert all(1 <= drum <= 6 for step in state["seed"]["pattern"] for drum in step), state["seed"]

    set_slider(desk, "#temperature", 1.35)
    with desk.page.expect_request(lambda r: r.url.endswith("/api/generate"), timeout=10_000) as request:
        desk.page.click("#generate")
    again = json.loads(request.value.post_data)
    assert {key: again.get(key) for key in expected} == {**expected, "temperature": 1.35}, again


def test_a_locked_seed_gives_the_same_dice_and_loop_again(desk, phone):
    desk.tab("dice")
    desk.page.fill("#rng-seed", "12345")
    desk.page.press("#rng-seed", "Enter")  # typing a seed locks it
    desk.page.locator("#rng-seed").blur()
    wait_for_state(desk, "s.settings.rng_seed === 12345 && s.settings.rng_locked")
    assert desk.page.get_attribute("#rng-lock", "aria-pressed") == "true"
    first, second = roll(desk), roll(desk)
    assert first["seed"] == second["seed"] and first["variations"] == second["variations"]
    assert desk.page.input_value("#rng-seed") == "12345"
    desk.page.click("#rng-lock")  # unlock: new dice each time
    wait_for_state(desk, "!s.settings.rng_locked")
    third = roll(desk)
    assert third["seed"] != first["seed"]
    shown = desk.page.input_value("#rng-seed")
    assert shown == str(third["settings"]["rng_seed"])  # the page shows the seed it used, to lock again

    phone.tab("dice")
    phone.page.locator("#rng-lock").tap()
    wait_for_state(phone, "s.settings.rng_locked")
    locked = phone.state()["settings"]["rng_seed"]
    a, b = roll(phone, use_tap=True), roll(phone, use_tap=True)
    assert a["seed"] == b["seed"] and a["settings"]["rng_seed"] == b["settings"]["rng_seed"] == locked
