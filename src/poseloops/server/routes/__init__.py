"""One router per resource; ``ROUTERS`` is what the app includes, in the order /docs lists them."""

from . import direct, export, generate, health, kits, link, live, midi_out, render, seeds

ROUTERS = (health.router, seeds.router, generate.router, direct.router, render.router, kits.router, export.router, live.router,
           link.router, midi_out.router)
