"""Live mode: ``WS /api/live`` streams camera frames in and answers each with the pose and its seed.

The messages are described in ``server/live.py`` and docs/studio.md (OpenAPI
does not describe WebSockets).
"""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from ..errors import ApiError
from ..live import LiveSession, refuse

router = APIRouter(prefix="/api", tags=["live"])


@router.websocket("/live")
async def live(websocket: WebSocket) -> None:
    """Camera frames (binary JPEG/PNG) and settings (JSON text) in; one JSON answer per frame out."""
    state = websocket.app.state
    try:
        state.runtime.require_pose()
    except ApiError as err:
        await refuse(websocket, str(err.detail), retry=err.headers is not None)
        return
    if not state.live_streams.open():
        await refuse(websocket, f"{state.live_streams.max_streams} live streams are open; the limit is reached", retry=True)
        return
    try:
        await websocket.accept()
        await LiveSession(websocket, settings=state.settings, streams=state.live_streams,
                          on_pose=state.rig.on_pose).run()
    finally:
        state.live_streams.close()
