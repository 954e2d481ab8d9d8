"""The embedded chain's journal: an OS lock from replay to append, whole entries, and a torn or
conflicting tail set aside by name instead of a fatal replay."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from yibao.chain import Chain, dev_account
from yibao.chain.journal import Journal
from yibao.errors import ChainError

A, B = dev_account(0), dev_account(1)


def _pay(chain: Chain, wei: int) -> None:
    chain.send(A, B.address, b"", gas=21_000, value=wei)


def _journal(tmp_path: Path, payments: int = 2) -> tuple[Journal, list[str]]:
    """A journal with ``payments`` transfers from A to B; returns it and the warnings list."""
    warnings: list[str] = []
    j = Journal(tmp_path / "chain.jsonl", warn=warnings.append)
    chain = j.open_chain(fresh=True)
    for i in range(payments):
        _pay(chain, 1 + i)
    chain.close()
    return j, warnings


def _state(chain: Chain) -> tuple[int, int, int]:
    return (chain.block_number(), int(chain.w3.eth.get_transaction_count(A.address)),
            int(chain.w3.eth.get_balance(B.address)))


def test_each_entry_is_one_whole_line_and_replays(tmp_path: Path) -> None:
    j, warnings = _journal(tmp_path, payments=3)
    lines = j.path.read_text().splitlines()
    assert len(lines) == 4 and all(json.loads(x) for x in lines)
    chain = j.open_chain()
    assert _state(chain)[:2] == (3, 3) and not warnings
    chain.close()


def test_a_torn_last_line_is_set_aside_with_one_warning(tmp_path: Path) -> None:
    j, warnings = _journal(tmp_path)
    before = j.open_chain()
    want = _state(before)
    before.close()
    with j.path.open("a") as f:
        f.write('{"t": 1767225600, "tx": "02f8')  # a write cut short: no newline, no closing brace
    chain = j.open_chain()
    assert _state(chain) == want
    assert len(warnings) == 1 and "line 4 torn" in warnings[0] and "chain.jsonl.quarantine" in warnings[0]
    _pay(chain, 5)  # the journal goes on after the repair
    chain.close()
    aside = [json.loads(x) for x in j.quarantine_path.read_text().splitlines()]
    assert [(a["line"], a["entry"]) for a in aside] == [(4, '{"t": 1767225600, "tx": "02f8')]
    again = j.open_chain()
    assert _state(again)[:2] == (want[0] + 1, want[1] + 1) and len(warnings) == 1
    again.close()


def test_a_conflicting_entry_is_set_aside_and_later_commands_work(tmp_path: Path) -> None:
    """Two commands that both signed nonce 2 (as unlocked concurrent commands did): the second
    entry cannot replay; it is set aside, not fatal, and the chain goes on from the first."""
    j, warnings = _journal(tmp_path)
    lines = j.path.read_text().splitlines()
    chain = j.open_chain()
    _pay(chain, 100)  # nonce 2
    chain.close()
    last = json.loads(j.path.read_text().splitlines()[-1])
    rival = A.sign_transaction({"chainId": chain.chain_id, "nonce": 2, "gas": 21_000, "to": B.address,
                                "value": 7, "maxFeePerGas": 10**10, "maxPriorityFeePerGas": 0, "type": 2})
    with j.path.open("a") as f:
        f.write(json.dumps({"t": last["t"] + 1, "tx": bytes(rival.raw_transaction).hex()}) + "\n")
    chain = j.open_chain()
    assert len(warnings) == 1 and "line 5 conflicting" in warnings[0] and "nonce" in warnings[0].lower()
    assert _state(chain)[:2] == (3, 3)
    _pay(chain, 1)
    chain.close()
    chain = j.open_chain()
    assert _state(chain)[:2] == (4, 4) and len(warnings) == 1
    assert len(j.path.read_text().splitlines()) == len(lines) + 2
    chain.close()


def test_another_replay_failure_names_the_entry(tmp_path: Path) -> None:
    j, _ = _journal(tmp_path)
    with j.path.open("a") as f:
        f.write(json.dumps({"t": 1, "tx": "00"}) + "\n")
    with pytest.raises(ChainError, match=r"chain.jsonl:4: replay failed"):
        j.open_chain()
    Journal(j.path).open_chain(fresh=True).close()  # the lock was given back


LOCKER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from yibao.chain.journal import Journal
    chain = Journal(Path(sys.argv[1])).open_chain()
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    chain.close()
""")


def test_a_second_process_waits_for_the_lock(tmp_path: Path) -> None:
    j, _ = _journal(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", LOCKER, str(j.path), "3"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(ChainError, match="another yibao command on this home holds the journal"):
            Journal(j.path, timeout=0.3).open_chain()
        t0 = time.monotonic()
        chain = Journal(j.path).open_chain()  # waits until the holder lets go
        assert time.monotonic() - t0 > 0.5
        _pay(chain, 9)
        chain.close()
    finally:
        holder.wait(timeout=30)
    assert holder.returncode == 0


def test_the_lock_is_reentrant_in_one_process_and_released_when_collected(tmp_path: Path) -> None:
    import gc

    j, _ = _journal(tmp_path)
    first = j.open_chain()
    second = Journal(j.path).open_chain()  # the same process: no deadlock
    del first, second
    gc.collect()
    done = subprocess.run([sys.executable, "-c", LOCKER, str(j.path), "0"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "locked" in done.stdout


# ---------------------------------------------------------------------- kept warm within a process


def test_a_closed_chain_is_taken_up_again_while_its_journal_is_unchanged(tmp_path: Path) -> None:
    j, _ = _journal(tmp_path)
    chain = j.open_chain()
    _pay(chain, 5)
    before = _state(chain)
    chain.close()
    again = j.open_chain()
    assert again is chain and _state(again) == before and before[:2] == (3, 3)  # no replay: the same chain
    _pay(again, 7)  # and it journals as before: a replay in another process agrees
    again.close()
    done = subprocess.run([sys.executable, "-c", STATE, str(j.path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == list(_state(j.open_chain()))


def test_a_journal_written_since_is_replayed_and_an_unjournaled_chain_never_kept(tmp_path: Path) -> None:
    import os

    j, _ = _journal(tmp_path)
    chain = j.open_chain()
    chain.close()
    os.utime(j.path, ns=(time.time_ns(), time.time_ns() + 10**9))  # as if another process wrote it
    replayed = j.open_chain()
    assert replayed is not chain and _state(replayed) == _state(chain)
    replayed.unjournaled = True  # a block the journal may lack: this chain must not be taken up
    replayed.close()
    assert j.open_chain() is not replayed


STATE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from yibao.chain import dev_account
    from yibao.chain.journal import Journal
    chain = Journal(Path(sys.argv[1])).open_chain()
    print(json.dumps([chain.block_number(), chain.w3.eth.get_transaction_count(dev_account(0).address),
                      chain.w3.eth.get_balance(dev_account(1).address)]))
""")
