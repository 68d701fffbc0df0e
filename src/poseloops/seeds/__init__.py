"""Seed sources: dice, a drawn grid, a body pose, any picture, a recorded rhythm.

Each source ends in the same ``Pattern`` the drum model continues. Importing
this package needs NumPy only; Pillow, MediaPipe, OpenCV and librosa load when
a source that needs them is first used (MediaPipe's model and librosa's
compiled code once per process, not per call).
"""

from .dice import roll_dice
from .grid import grid_to_pattern
from .image_io import decode_image, read_image_file, read_video_frames
from .keypoints import BLAZEPOSE_33, BODY_POINTS, COCO_17, Keypoints, KeypointLayout
from .keypoints_json import keypoints_from_json, keypoints_to_dict, keypoints_to_json
from .picture import image_to_pattern
from .pose_estimator import BlazePoseEstimator, PoseEstimator, default_estimator, estimate_pose, find_people
from .pose_mapping import keypoints_to_pattern, pose_to_pattern, video_to_patterns
from .rhythm import RhythmRead, audio_to_pattern, read_rhythm

__all__ = [
    "BLAZEPOSE_33",
    "BODY_POINTS",
    "BlazePoseEstimator",
    "COCO_17",
    "KeypointLayout",
    "Keypoints",
    "PoseEstimator",
    "audio_to_pattern",
    "read_rhythm",
    "RhythmRead",
    "decode_image",
    "default_estimator",
    "estimate_pose",
    "find_people",
    "grid_to_pattern",
    "image_to_pattern",
    "keypoints_from_json",
    "keypoints_to_dict",
    "keypoints_to_json",
    "keypoints_to_pattern",
    "pose_to_pattern",
    "read_image_file",
    "read_video_frames",
    "roll_dice",
    "video_to_patterns",
]
