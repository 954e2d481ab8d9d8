"""Files from outside read safely: text that must be UTF-8 without NUL bytes (CSV and JSON
inputs), and JSON documents (scenarios, rule bases, claims files, manifests, keystores). Each
refusal is one :class:`~yibao.errors.InputError` line naming the file and the line.

Why not plain :func:`json.loads`: py-evm and py_ecc raise the interpreter's recursion limit
to 100,000 when they are imported, and at that limit a file of 100,000 ``[`` overflows the
C stack inside the json scanner: the process dies with a segmentation fault instead of an
error. :func:`loads` parses under a limit the C stack can bear, so such a file is refused
as "nested too deeply".
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yibao.errors import InputError, YibaoError

#: The recursion limit while parsing: deep enough for any real document (json needs one
#: level per nested array or object), shallow enough for the C stack of the main thread.
PARSE_RECURSION_LIMIT = 4_000


def loads(text: str | bytes, where: str = "", *, error: type[YibaoError] = InputError,
          object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None) -> Any:
    """The JSON document in ``text``; raises ``error`` (one line, prefixed ``where: ``) when
    it is not one or is nested deeper than :data:`PARSE_RECURSION_LIMIT` allows."""
    prefix = f"{where}: " if where else ""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(min(old, PARSE_RECURSION_LIMIT))
    try:
        return json.loads(text, object_pairs_hook=object_pairs_hook)
    except json.JSONDecodeError as exc:
        raise error(f"{prefix}not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise error(f"{prefix}not valid JSON: nested too deeply") from None
    except UnicodeDecodeError as exc:  # bytes that are not UTF-8
        raise error(f"{prefix}not UTF-8 (byte {exc.start})") from None
    finally:
        sys.setrecursionlimit(old)


def read_text(path: Path | str) -> str:
    """The text of a UTF-8 file (a leading byte-order mark dropped) without NUL bytes; a file
    that cannot be read, is not UTF-8 or holds a NUL byte is refused naming its line."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{str(path)[:80]}: cannot read ({exc.strerror or type(exc).__name__})") from None
    except ValueError:  # an embedded NUL in the path
        raise InputError(f"{str(path)[:80]!r}: not a file name") from None
    body = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body[:exc.start].count(b"\n") + 1
        raise InputError(f"{p}:{line}: not UTF-8 text (byte 0x{body[exc.start]:02x})") from None
    if "\0" in text:
        raise InputError(f"{p}:{text[:text.index(chr(0))].count(chr(10)) + 1}: a NUL byte")
    return text


__all__ = ["PARSE_RECURSION_LIMIT", "loads", "read_text"]
