"""Name OpenBLAS's kernel for CPUs that the OpenBLAS inside NumPy's wheel does not know.

NumPy 1.26's wheel carries OpenBLAS 0.3.23, which reads newer Xeons (those
with AVX-512 FP16, such as Sapphire Rapids) as a 2004 Prescott and runs every
matrix product on SSE3 kernels: 20 GFLOP/s instead of 102 for the infilling
model's 64 x 128 by 128 x 384 product on the 2-core build machine. The kernel
is chosen once, when OpenBLAS loads, from ``OPENBLAS_CORETYPE``; so this runs
before NumPy is first imported, from ``poseloops/__init__``. It does nothing
when the variable is set already (the user's choice), off Linux, or where NumPy
was imported before PoseLoops (OpenBLAS has chosen by then).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# The newest kernel each CPU feature set can run, best first. SkylakeX needs
# AVX-512 F, BW and VL; Haswell needs AVX2 and FMA.
KERNELS = (
    ("SkylakeX", {"avx512f", "avx512bw", "avx512vl"}),
    ("Haswell", {"avx2", "fma"}),
)


def cpu_flags(cpuinfo: str) -> set[str]:
    """The feature flags of the first CPU in a ``/proc/cpuinfo`` text."""
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "flags":
            return set(value.split())
    return set()


def kernel_for(flags: set[str]) -> str | None:
    """The OpenBLAS kernel to name for a CPU with these flags, or None to let OpenBLAS choose."""
    for kernel, needs in KERNELS:
        if needs <= flags:
            return kernel
    return None


def choose_openblas_kernel() -> None:
    """Set ``OPENBLAS_CORETYPE`` from the CPU's flags, unless it is set or NumPy is loaded."""
    if "OPENBLAS_CORETYPE" in os.environ or "numpy" in sys.modules:
        return
    if not sys.platform.startswith("linux"):
        return
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return
    kernel = kernel_for(cpu_flags(cpuinfo))
    if kernel is not None:
        os.environ["OPENBLAS_CORETYPE"] = kernel
