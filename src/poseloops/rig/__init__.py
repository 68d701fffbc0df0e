"""PoseLoops in a musician's rig: Ableton Link (``link_clock``) and OSC (``osc_bridge``).

Nothing here is imported by ``import poseloops``: each module loads its binding when used.
"""
