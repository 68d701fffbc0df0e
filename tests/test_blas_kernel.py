"""OpenBLAS runs the kernel the CPU can run, not the Prescott fallback NumPy's wheel picks on newer Xeons."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from poseloops.blas_kernel import cpu_flags, kernel_for

CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
flags\t\t: fpu sse sse2 {extra}
bugs\t\t: spectre_v1
"""

PROBE = ("import json, os, sys\n"
         "{first}\n"
         "import threadpoolctl\n"
         "blas = [p for p in threadpoolctl.threadpool_info() if p['internal_api'] == 'openblas']\n"
         "print(json.dumps({{'kernel': blas[0]['architecture'] if blas else None,"
         " 'env': os.environ.get('OPENBLAS_CORETYPE')}}))\n")


def probe(first: str, **env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"} | env
    out = subprocess.run([sys.executable, "-c", PROBE.format(first=first)], env=clean, capture_output=True,
                         text=True, check=True, timeout=120)
    return json.loads(out.stdout)


@pytest.mark.parametrize(("extra", "kernel"), [
    ("avx avx2 fma avx512f avx512bw avx512vl avx512_fp16", "SkylakeX"),
    ("avx avx2 fma avx512f", "Haswell"),  # AVX-512 without BW and VL: SkylakeX's kernels need them
    ("avx avx2 fma", "Haswell"),
    ("avx avx2", None),  # no FMA: OpenBLAS chooses
    ("sse3 ssse3", None),
])
def test_the_kernel_is_the_best_the_flags_allow(extra, kernel):
    assert kernel_for(cpu_flags(CPUINFO.format(extra=extra))) == kernel


def test_a_cpuinfo_without_flags_names_no_kernel():
    assert cpu_flags("processor\t: 0\nmodel name\t: something\n") == set()
    assert kernel_for(set()) is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/cpuinfo")
def test_importing_poseloops_first_loads_openblas_with_the_cpus_kernel():
    expected = kernel_for(cpu_flags(Path("/proc/cpuinfo").read_text()))
    seen = probe("import poseloops, numpy")
    assert seen["env"] == expected
    if expected is not None and seen["kernel"] is not None:
        assert seen["kernel"].lower() == expected.lower()


def test_a_kernel_the_user_named_is_kept():
    seen = probe("import poseloops, numpy", OPENBLAS_CORETYPE="Haswell")
    assert seen["env"] == "Haswell"
    assert seen["kernel"] in (None, "Haswell")


def test_numpy_loaded_first_is_left_as_openblas_chose():
    # OpenBLAS has picked its kernel by then: naming one would only mislead whoever reads the environment.
    assert probe("import numpy, poseloops")["env"] is None
