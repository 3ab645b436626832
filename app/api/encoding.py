"""Turn numpy results into JSON that is always valid: no NaN, no Infinity, ever."""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import orjson
import zstandard
from starlette.requests import Request
from starlette.responses import Response


def binary_array(values: Any, dtype: Literal["f4", "f8"] = "f4") -> dict[str, Any]:
    """A plotly.js typed-array spec: little-endian floats in base64 (``f4`` float32, the grid's;
    ``f8`` float64, which holds every float the core computes exactly), with NaN for gaps.

    Never Infinity, as a JSON body never carries it: a value that is not finite, or that a
    float32 cannot hold (beyond 3.4e38), goes as NaN (the quiet NaN numpy writes, so a client
    decoding a JSON body's null with ``numpy.array(..., dtype=float)`` gets the same bits).

    ``bdata`` is an ``orjson.Fragment``, the base64 already a JSON string, which ``dumps``
    copies as it is: no str of it is made, and no encoder scans it for escapes.
    """
    with np.errstate(over="ignore"):  # a float32 too large is handled just below
        array = np.ascontiguousarray(values, dtype=f"<{dtype}")
    finite = np.isfinite(array)
    if not finite.all():
        array = np.ascontiguousarray(np.where(finite, array, np.nan), dtype=f"<{dtype}")
    return {
        "dtype": dtype,
        "bdata": orjson.Fragment(b'"' + base64.b64encode(array) + b'"'),
        "shape": list(array.shape),
    }


NUMBERS_PER_SLICE = 65536
"""An encoder holds the GIL for its whole call, which would stall the event loop and
/healthz on a huge body; a body of more numbers than this is encoded in slices of about this
many (about 3 ms each with orjson) so that other threads run in between. A smaller body (the
page's default experiment has about 15,000) is one orjson call."""


def _contiguous(obj: Any) -> Any:
    """orjson writes C-contiguous numpy arrays itself and hands any other array here."""
    if isinstance(obj, np.ndarray):
        return np.ascontiguousarray(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _encode(obj: Any) -> bytes:
    # orjson writes NaN and +-Infinity as null (numpy scalars and arrays too): the output
    # is always standard JSON.
    return orjson.dumps(obj, default=_contiguous, option=orjson.OPT_SERIALIZE_NUMPY)


def _size(obj: Any) -> int:
    """About how many numbers the JSON of ``obj`` holds (without encoding it)."""
    if isinstance(obj, np.ndarray):
        return obj.size
    if isinstance(obj, dict) and isinstance(obj.get("bdata"), orjson.Fragment):
        return math.prod(obj["shape"])  # a typed array (binary_array): its base64 goes whole
    if isinstance(obj, dict):
        return sum(map(_size, obj.values()))
    if isinstance(obj, list | tuple) and obj and isinstance(obj[0], dict):
        return sum(map(_size, obj))
    if isinstance(obj, list | tuple) and obj:
        return len(obj) * _size(obj[0])
    return 1


def _pieces(obj: Any) -> Iterator[bytes]:
    """The JSON text of ``obj`` (string keys) in pieces of bounded encoding work."""
    if _size(obj) <= NUMBERS_PER_SLICE:
        yield _encode(obj)
    elif isinstance(obj, dict):
        yield b"{"
        for index, (key, value) in enumerate(obj.items()):
            yield (b"," if index else b"") + orjson.dumps(str(key)) + b":"
            yield from _pieces(value)
        yield b"}"
    elif isinstance(obj, list | tuple) and isinstance(obj[0], dict):
        yield b"["
        for index, item in enumerate(obj):
            yield b"," if index else b""
            yield from _pieces(item)
        yield b"]"
    else:  # a long array or list: whole rows per slice
        rows_per_slice = max(1, NUMBERS_PER_SLICE // max(1, _size(obj[0])))
        slices = (obj[i : i + rows_per_slice] for i in range(0, len(obj), rows_per_slice))
        yield b"[" + b",".join(_encode(part)[1:-1] for part in slices) + b"]"


def dumps(content: Any) -> bytes:
    """Compact JSON; a stray non-finite float becomes null rather than invalid JSON."""
    return b"".join(_pieces(content))


class FiniteJSONResponse(Response):
    """A JSON response that can never carry NaN or Infinity."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


GZIP_MIN_BYTES = 1024
"""Smaller responses go as they are (the gzip middleware's floor too, see middleware.install)."""


def accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")


def accepts_zstd(request: Request) -> bool:
    return "zstd" in request.headers.get("accept-encoding", "")


ZSTD_LEVEL = 1
"""zstd's fastest level: 8 runs x 10,000 steps in binary (4.27 MB, mostly base64) go as 2.58 MB
in about 4 ms, and decompress in about 3 ms (bench/encoding.py)."""


def compress_base64(request: Request, response: Response) -> Response:
    """``response`` compressed for a body that is mostly base64 (a binary grid, trajectories or
    a network's boundaries): zstd when the client accepts it (Chrome, Edge and Firefox do),
    else gzip with Huffman coding only, else as it is.

    zstd finds the repeats that base64 of float64s keeps (the same leading bytes, every 8 bytes
    at the same place of a 4-character group) and is both the smallest and the fastest: 8 runs
    x 10,000 steps take 4.27 MB plain, 2.58 MB in 4 ms with zstd, 3.00 MB in 29 ms with Huffman
    gzip, which decompresses in about 10 times zstd's time. Huffman gzip codes base64's 64
    symbols in about 6 bits each, as small as gzip level 1 in a third to half of the time (a
    200^2 grid: 163 KB against 165 KB, 2.6 ms against 8.3 ms). The gzip middleware passes a
    response it finds encoded through.
    """
    if len(response.body) < GZIP_MIN_BYTES:
        return response
    if accepts_zstd(request):
        compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
        response.body, encoding = compressor.compress(response.body), "zstd"
    elif accepts_gzip(request):
        compressor = zlib.compressobj(1, zlib.DEFLATED, 16 + zlib.MAX_WBITS, 9, zlib.Z_HUFFMAN_ONLY)
        response.body = compressor.compress(response.body) + compressor.flush()
        encoding = "gzip"
    else:
        return response
    response.headers["content-length"] = str(len(response.body))
    response.headers["content-encoding"] = encoding
    response.headers["vary"] = "Accept-Encoding"
    return response
