"""The CPU a benchmark ran on: its model name, the vector extensions that decide training speed, and
whether oneDNN (TensorFlow's CPU kernels) was told to use fewer of them."""

import os
import platform
import re
from pathlib import Path

VECTOR_FLAGS = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
)


#: Set to e.g. ``AVX2`` to make oneDNN run the kernels of a CPU without AVX-512 (how this project
#: measures the cost most laptops see on a machine that has AVX-512: bench/README.md).
ISA_LIMIT_ENV_VAR = "ONEDNN_MAX_CPU_ISA"


def cpu_info() -> dict:
    """This CPU's model name, which of :data:`VECTOR_FLAGS` it has, and ``isa_limit`` when
    :data:`ISA_LIMIT_ENV_VAR` caps the instructions oneDNN uses."""
    limit = {"isa_limit": os.environ[ISA_LIMIT_ENV_VAR]} if os.environ.get(ISA_LIMIT_ENV_VAR) else {}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux
        return {"model": platform.processor() or "unknown", "vector_extensions": [], **limit}
    model = re.search(r"^model name\s*:\s*(.+)$", text, flags=re.M)
    flags = set(re.search(r"^flags\s*:\s*(.+)$", text, flags=re.M).group(1).split())
    return {
        "model": model.group(1).strip() if model else "unknown",
        "vector_extensions": [f for f in VECTOR_FLAGS if f in flags],
        **limit,
    }
