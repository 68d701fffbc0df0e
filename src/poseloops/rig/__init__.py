"""PoseLoops in a musician's rig: Ableton Link (``link_clock``), OSC (``osc_bridge``, with the
loop it works on in ``rig_loop``) and live MIDI out.

Nothing here is imported by ``import poseloops``: each module loads its binding when used.
"""
