"""A bound on the memory one piece of work may take: the import of a sheet, in a Celery worker or in
the upload's request.

``memory_cap`` lowers the process's address-space limit (``RLIMIT_AS``) to what it maps now plus a
budget, for the block only: an allocation past it raises ``MemoryError`` inside the block, which
the caller turns into a message, and the process (a worker serving other tasks next) lives on. The
limit is the process's, so it suits a process doing one thing at a time — a prefork Celery child, a
sync gunicorn worker; the budget is generous enough not to starve anything else it runs meanwhile.
Where the mapped size cannot be read (no /proc), the block runs unbounded.
"""

from __future__ import annotations

import os
import resource  # POSIX: Reship runs on Linux (see the Dockerfile)
from collections.abc import Iterator
from contextlib import contextmanager


def mapped_bytes() -> int | None:
    """The process's mapped address space now (Linux's VmSize), or None where unknown."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            pages = int(statm.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


@contextmanager
def memory_cap(budget_bytes: int) -> Iterator[None]:
    """Within the block, allocations past ``budget_bytes`` more than now raise ``MemoryError``."""
    mapped = mapped_bytes()
    if budget_bytes <= 0 or mapped is None:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = mapped + budget_bytes
    if soft != resource.RLIM_INFINITY:
        cap = min(cap, soft)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
