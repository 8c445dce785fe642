"""The CPU a benchmark ran on: its model name and the vector extensions that decide training speed."""

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


def cpu_info() -> dict:
    """This CPU's model name and which of :data:`VECTOR_FLAGS` it has."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux
        return {"model": platform.processor() or "unknown", "vector_extensions": []}
    model = re.search(r"^model name\s*:\s*(.+)$", text, flags=re.M)
    flags = set(re.search(r"^flags\s*:\s*(.+)$", text, flags=re.M).group(1).split())
    return {
        "model": model.group(1).strip() if model else "unknown",
        "vector_extensions": [f for f in VECTOR_FLAGS if f in flags],
    }
