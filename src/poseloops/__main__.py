"""``python -m poseloops`` (and ``torchrun -m poseloops train ...``): the same as the ``poseloops`` command."""

import sys

from .cli import main

sys.exit(main())
