"""The embedded chain's journal: every signed transaction and its block time, replayed by
each command into a fresh in-memory EVM (same genesis, same bytes, same times → same state).

The file is JSON Lines: a header ``{"genesis_timestamp": T}`` (with ``"clock": C`` for a
home whose clock is pinned, see :meth:`Journal.open_chain`), then one ``{"t": ts, "tx": hex}``
per mined transaction, and ``{"t": ts, "mine": true}`` where a pinned clock was moved on (an
empty block). Three rules keep it whole:

- **One writer at a time.** :meth:`Journal.open_chain` takes an exclusive OS lock
  (``fcntl.flock`` on ``<journal>.lock``) before it replays and holds it until the chain is
  closed or collected (or the process ends), so two commands on one home run one after the
  other instead of both signing the same nonce. The lock is re-entrant within a process.
- **Whole entries.** An entry is written with one ``write`` of the full line, then flushed
  with ``fsync``, before the transaction's result is returned to anyone.
- **Kept warm within a process.** A chain that is closed stays in memory (the two most recent
  homes), with the journal's identity, size and modification time at that moment; the next
  :meth:`Journal.open_chain` of that home in the same process takes it up instead of replaying
  when the file is still exactly that (nothing else wrote it), so a Python session or a test
  that runs many commands on one home replays it once. A chain collected without being closed
  is not kept.
- **A bad tail is set aside, not fatal.** A torn or unreadable line, or an entry the chain
  refuses on replay because its nonce was already used (or skipped), is moved to
  ``<journal>.quarantine`` (one JSON line each, with the reason) and the journal rewritten
  without it, atomically; one warning line says so. Any other replay failure is an error
  that names the entry.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from yibao.chain.backend import Chain
from yibao.errors import ChainError, ManifestError

#: How long a command waits for another command on the same home before it gives up.
LOCK_TIMEOUT = 300.0

_guard = threading.Lock()
_held: dict[str, list[int]] = {}  # lock file → [fd, holders] of this process
#: How many closed chains a process keeps warm (one per home, the most recently closed).
WARM_HOMES = 2
_warm: OrderedDict[str, tuple[tuple[int, int, int], Chain]] = OrderedDict()  # journal → (its stat, chain)


def _stderr_warning(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr)


def acquire_lock(lock_path: Path, timeout: float = LOCK_TIMEOUT) -> None:
    """Take the exclusive lock on ``lock_path`` (re-entrant within this process); wait for
    another process that holds it, at most ``timeout`` seconds."""
    key = os.path.realpath(lock_path)
    with _guard:
        held = _held.get(key)
        if held is not None:
            held[1] += 1
            return
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(key, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise ChainError(
                        f"{lock_path}: another yibao command on this home holds the journal for over "
                        f"{timeout:.0f} s; wait for it to finish") from None
                time.sleep(0.05)
        _held[key] = [fd, 1]


def release_lock(lock_path: Path) -> None:
    """Give back one hold on the lock; the last one unlocks it."""
    key = os.path.realpath(lock_path)
    with _guard:
        held = _held.get(key)
        if held is None:
            return
        held[1] -= 1
        if held[1] == 0:
            del _held[key]
            fcntl.flock(held[0], fcntl.LOCK_UN)
            os.close(held[0])


@dataclass(frozen=True)
class SetAside:
    """A journal line that was moved to the quarantine file, and why."""

    line: int
    reason: str
    text: str


class Journal:
    """The journal file at ``path`` (``chain.jsonl`` in a home folder)."""

    def __init__(self, path: Path, warn: Callable[[str], None] | None = None,
                 timeout: float = LOCK_TIMEOUT) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self.quarantine_path = path.with_name(path.name + ".quarantine")
        self.warn = warn or _stderr_warning
        self.timeout = timeout

    # ------------------------------------------------------------------ opening

    def open_chain(self, fresh: bool = False, clock: int | None = None) -> Chain:
        """The embedded chain the journal describes (a new journal when ``fresh`` or absent),
        holding the lock until the chain is closed or collected. Each transaction the chain
        mines is appended (and fsynced) before :meth:`Chain.send` returns.

        ``clock`` (a new journal only) pins the chain's clock: the genesis block is a day
        before it and every command runs at that time (one second later per transaction)
        instead of the wall clock, until :meth:`set_clock` moves it on: a trial home whose
        days are chosen, so that a story, a test or a training runs the same on any day."""
        acquire_lock(self.lock_path, self.timeout)
        try:
            warm = None if fresh or not self.path.exists() else self._warm_chain()
            chain = warm or (self._start(clock) if fresh or not self.path.exists() else self._replay())
        except BaseException:
            release_lock(self.lock_path)
            raise
        released = weakref.finalize(chain, release_lock, self.lock_path)
        chain.journal = self.append
        chain.on_close.append(lambda: self._keep_warm(chain))  # before the lock is let go
        chain.on_close.append(released)
        return chain

    def _identity(self) -> tuple[int, int, int]:
        st = os.stat(self.path)
        return st.st_ino, st.st_size, st.st_mtime_ns

    def _keep_warm(self, chain: Chain) -> None:
        if chain.unjournaled or not self.path.exists():
            return
        key = os.path.realpath(self.path)
        with _guard:
            _warm.pop(key, None)
            _warm[key] = (self._identity(), chain)
            while len(_warm) > WARM_HOMES:
                _warm.popitem(last=False)

    def _warm_chain(self) -> Chain | None:
        """The chain this process closed last on this journal, if the file is still exactly as
        it was then (the lock is held: nobody writes it meanwhile)."""
        with _guard:
            kept = _warm.pop(os.path.realpath(self.path), None)
        if kept is None or kept[0] != self._identity():
            return None
        chain = kept[1]
        chain.clear_clock()
        self._pin(chain, self.clock)
        return chain

    def _start(self, clock: int | None) -> Chain:
        # the genesis time is pinned in the header, so a replay rebuilds the same chain
        header: dict[str, int] = {"genesis_timestamp": int(time.time())}
        if clock is not None:
            header = {"genesis_timestamp": clock - 86_400, "clock": clock}
        lines = [json.dumps(header)]
        chain = Chain.embedded(genesis_timestamp=header["genesis_timestamp"])
        if clock is not None:  # the first block is at the pinned time, so calls see that day
            chain.set_next_timestamp(clock)
            lines.append(json.dumps({"t": clock, "mine": True}))
        self._write_whole(lines)
        return chain

    @staticmethod
    def _pin(chain: Chain, clock: int | None) -> None:
        """Run the chain's next transactions at the pinned ``clock`` (never before its last block)."""
        if clock is not None:
            chain.set_clock(max(clock, chain.timestamp() + 1))

    @property
    def clock(self) -> int | None:
        """The pinned clock of the journal's header, or ``None`` for the wall clock."""
        try:
            header = json.loads(self.path.read_bytes().split(b"\n", 1)[0])
            return int(header["clock"]) if "clock" in header else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def set_clock(self, chain: Chain, ts: int) -> None:
        """Move a pinned clock forward to ``ts`` (the chain must be this journal's, open and so
        locked): an empty block is mined at ``ts``, so calls see the new day, and journaled as
        ``{"t": ts, "mine": true}``; later commands run from the last block on."""
        if self.clock is None:
            raise ChainError(f"{self.path}: this home runs on the wall clock (deploy it with --start to pin one)")
        chain.unjournaled = True
        chain.set_next_timestamp(ts)  # refuses a time not after the last block
        self._append_line(json.dumps({"t": ts, "mine": True}))
        chain.unjournaled = False

    def _replay(self) -> Chain:
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        torn = lines.pop() if lines else b""  # after the last newline: b"" unless a write was cut
        try:
            header = json.loads(lines[0])
            genesis = int(header["genesis_timestamp"])
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ManifestError(f"{self.path}: corrupt chain journal header ({type(exc).__name__})") from exc
        aside: list[SetAside] = []
        if torn:
            aside.append(SetAside(len(lines) + 1, "torn (an unfinished write)", torn.decode("utf-8", "replace")))
        chain, kept = self._apply(genesis, lines, aside)
        if aside:
            self._set_aside(lines[0], kept, aside)
            chain, _ = self._apply(genesis, [lines[0], *kept], [])  # exactly what later commands replay
        clock = header.get("clock")
        self._pin(chain, int(clock) if clock is not None else None)
        return chain

    def _apply(self, genesis: int, lines: list[bytes], aside: list[SetAside]) -> tuple[Chain, list[bytes]]:
        """Replay the entries after the header; unreadable and conflicting ones go to ``aside``."""
        chain = Chain.embedded(genesis_timestamp=genesis)
        kept: list[bytes] = []
        for number, line in enumerate(lines[1:], start=2):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                ts = int(entry["t"])
                if entry.get("mine") is True:  # a pinned clock moved on: an empty block at ts
                    if ts > chain.timestamp():
                        chain.set_next_timestamp(ts)
                    kept.append(line)
                    continue
                raw = bytes.fromhex(entry["tx"])
            except (ValueError, KeyError, TypeError, ChainError) as exc:
                aside.append(SetAside(number, f"unreadable ({type(exc).__name__})", line.decode("utf-8", "replace")))
                continue
            if ts > chain.timestamp():
                chain.set_pending_timestamp(ts)
            try:
                chain.w3.eth.send_raw_transaction(raw)
            except Exception as exc:  # sorted below: a used nonce is set aside
                text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                if "nonce" not in text.lower():
                    raise ChainError(f"{self.path}:{number}: replay failed ({type(exc).__name__}: {text})") from exc
                aside.append(SetAside(number, f"conflicting ({text})", line.decode()))
                continue
            kept.append(line)
        return chain, kept

    def _set_aside(self, header: bytes, kept: list[bytes], aside: list[SetAside]) -> None:
        with self.quarantine_path.open("a", encoding="utf-8") as f:
            for a in aside:
                f.write(json.dumps({"journal": str(self.path), "line": a.line, "reason": a.reason,
                                    "entry": a.text, "at": int(time.time())}, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self._write_whole([header.decode(), *(k.decode() for k in kept)])
        what = "; ".join(f"line {a.line} {a.reason}" for a in aside)
        self.warn(f"{self.path}: set {len(aside)} entr{'y' if len(aside) == 1 else 'ies'} aside into "
                  f"{self.quarantine_path.name} ({what}); the chain is as it was without "
                  f"{'it' if len(aside) == 1 else 'them'}")

    # ------------------------------------------------------------------ writing

    def _write_whole(self, lines: list[str]) -> None:
        """Replace the journal with ``lines`` atomically (temp file, fsync, rename)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            f.write("".join(x + "\n" for x in lines))
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(self.path)
        with contextlib.suppress(OSError):  # make the rename itself durable
            dfd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)

    def append(self, ts: int, raw: bytes) -> None:
        """Append one entry: a single write of the whole line, then fsync."""
        self._append_line(json.dumps({"t": ts, "tx": raw.hex()}))

    def _append_line(self, text: str) -> None:
        line = (text + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        try:
            if os.write(fd, line) != len(line):
                raise ChainError(f"{self.path}: short write to the chain journal (disk full?)")
            os.fsync(fd)
        finally:
            os.close(fd)


__all__ = ["LOCK_TIMEOUT", "WARM_HOMES", "Journal", "SetAside", "acquire_lock", "release_lock"]
