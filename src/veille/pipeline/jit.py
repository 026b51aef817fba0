"""Compiled kernels: the one place that knows about numba.

The enrichment stages run their innermost loops (a DFA walk over bytes, rolling n-gram
hashes, weight-table sums) as numba kernels: plain Python functions over numpy arrays,
compiled to machine code on first use and cached on disk (``cache=True``: next to the
module in ``__pycache__``, or in the user's cache directory when that is not writable;
``NUMBA_CACHE_DIR`` overrides both). The first run of a new version compiles for a few
seconds; later processes load the cached code.

Why numba and not numpy alone: per post, the stages do a few hundred dependent steps
(state machines, rolling hashes) and random look-ups in tables of several megabytes.
numpy needs one pass over the whole batch per elementary operation; a compiled loop does
all of them in one pass, with the look-ups of several posts in flight at once.
``bench/RESULTS.md`` (enrichment) has the measured gain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def kernel(func: F) -> F:
    """Compile ``func`` with numba (no Python objects, GIL released, cached on disk)."""
    return cast(F, numba.njit(cache=True, nogil=True)(func))
