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

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
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


class Problems:
    """The problems of one file, collected so that a reader reports all of them at once.

    >>> problems = Problems("people.csv")
    >>> with problems.entry():
    ...     raise InputError("people.csv:2: region 1 is not registered")
    >>> problems.raise_if_any()  # raises one InputError naming every problem

    One problem is raised as it was; several as one line, ``FILE: N problems: A; B; …``
    with at most :attr:`shown` of them (``and K more``), and all of them in the error's
    ``problems``.
    """

    shown = 10

    def __init__(self, where: str) -> None:
        self.where = where
        self.found: list[str] = []

    def add(self, message: str) -> None:
        self.found.append(message)

    @contextlib.contextmanager
    def entry(self) -> Iterator[None]:
        """Record an :class:`InputError` raised in the block, and go on."""
        try:
            yield
        except InputError as exc:
            self.found.extend(exc.problems or (str(exc),))

    def _short(self, problem: str) -> str:
        """``FILE:3: …`` as ``3: …`` and ``FILE[2]: …`` as ``[2]: …`` (the line names FILE once)."""
        rest = problem[len(self.where):]
        if not problem.startswith(self.where) or not rest.startswith((":", "[")):
            return problem
        return rest.removeprefix(":").lstrip()

    def raise_if_any(self) -> None:
        if not self.found:
            return
        if len(self.found) == 1:
            raise InputError(self.found[0])
        short = [self._short(p) for p in self.found[:self.shown]]
        more = len(self.found) - len(short)
        tail = f"; and {more} more" if more else ""
        raise InputError(f"{self.where}: {len(self.found)} problems: {'; '.join(short)}{tail}",
                         tuple(self.found))


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


__all__ = ["PARSE_RECURSION_LIMIT", "Problems", "loads", "read_text"]
