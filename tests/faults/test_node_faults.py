"""Faults: nothing lost, nothing doubled. A 2,000-claim file is submitted by the CLI (a
process) to an anvil node that keeps its state in a file; the node or the CLI is SIGKILLed
mid-way; the rerun submits exactly what is not on chain, and every claim is then on chain
exactly once, with no DUPLICATE decision and the fund law holding after settlement.

anvil writes its state file every second and at a clean stop, so a SIGKILLed node restarts
from up to a second before: the transactions after that are lost, and the rerun must send
exactly those claims again (how many is up to timing, so the tests assert the law, not a count).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from faultworld import FaultWorld, finish, json_doc

pytestmark = pytest.mark.anvil

CLAIMS = 2_000
BATCH = 1  # 2,000 transactions, 16 in flight at a time (about 130 blocks)


@pytest.fixture
def world(tmp_path: Path):
    w = FaultWorld(tmp_path, CLAIMS)
    w.build()
    try:
        yield w
    finally:
        w.stop()


def test_the_node_killed_mid_way_then_a_rerun_submits_exactly_the_lost_claims(world: FaultWorld) -> None:
    proc = world.submit(BATCH)
    world.wait_for_blocks(proc, 20)
    world.wait_for_state_write(proc)  # some claims are in the state file …
    world.wait_for_blocks(proc, 10)  # … and some more are mined after it
    world.kill_node()
    code, _, err = finish(proc)
    assert code != 0 and err.strip().count("\n") == 0 and err.startswith("error: "), err
    assert "rerun" in err, err
    world.restart_from_state()  # what was mined after its last write is gone
    kept = world.on_chain()
    assert 0 < kept < CLAIMS
    code, out, err = finish(world.submit(BATCH))
    assert code == 0, err
    doc = json_doc(out)
    assert (doc["claims"], doc["already_on_chain"], doc["submitted"]) == (CLAIMS, kept, CLAIMS - kept)
    assert doc["duplicates"] == 0
    world.check_exactly_once(restarted=True)


def test_the_cli_killed_mid_batch_then_a_rerun_submits_only_the_rest(world: FaultWorld) -> None:
    proc = world.submit(BATCH)
    world.wait_for_blocks(proc, 30)
    proc.kill()
    proc.wait()
    kept = world.on_chain()
    assert 0 < kept < CLAIMS
    code, out, err = finish(world.submit(BATCH))
    assert code == 0, err
    doc = json_doc(out)
    assert (doc["already_on_chain"], doc["submitted"], doc["duplicates"]) == (kept, CLAIMS - kept, 0)
    world.check_exactly_once()
