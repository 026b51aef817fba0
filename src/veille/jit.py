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
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

F = TypeVar("F", bound=Callable[..., Any])


def kernel(func: F) -> F:
    """Compile ``func`` with numba (no Python objects, GIL released, cached on disk)."""
    return cast(F, numba.njit(cache=True, nogil=True)(func))


def _prefetch_intrinsic(typingctx: Any, array: Any, index: Any) -> Any:
    if not isinstance(array, types.Array) or array.layout != "C":
        return None
    if not isinstance(index, types.Integer):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        byte_ptr = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [byte_ptr, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")  # type: ignore[no-untyped-call]
        address = builder.bitcast(builder.gep(data, [args[1]]), byte_ptr)
        # read, high temporal locality, data cache
        builder.call(fn, [address, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return types.void(array, index), codegen


#: ``prefetch(array, index)``, in a kernel: start loading the cache line of
#: ``array.flat[index]`` (``array`` C-contiguous). A hint: no effect on results, never
#: faults. A kernel that follows several chains of random reads at once prefetches each
#: next address as soon as it knows it, so that the memory latencies overlap.
prefetch = cast(Callable[[Any, int], None], intrinsic(_prefetch_intrinsic))
