"""The fault tests' world: an anvil node that keeps its state in a file, a deployment with one
hospital and its insured people, and a file of claims submitted by the CLI as a process."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from eth_utils.crypto import keccak
from worlds.rules import CATALOGUE_CQ, CQ, POLICY
from yibao import codec
from yibao.chain import Chain, dev_account
from yibao.chain.deployment import Manifest
from yibao.chain.node import AnvilNode, free_port
from yibao.cli import run
from yibao.client import Enrolment, Ledger
from yibao.client.batches import stored_claims
from yibao.client.reports import fund_law_holds
from yibao.model.types import ClaimStatus, Reason, Scheme
from yibao.units import from_day

ADMIN, REGULATOR, OPERATOR, HOSPITAL = (dev_account(i) for i in (0, 1, 2, 7))
PEOPLE = 100
CLI = "import sys; from yibao.cli import main; sys.argv[0] = 'yibao'; main()"


def chain_today(chain: Chain) -> object:
    return from_day((chain.timestamp() + 8 * 3600) // 86_400)


@dataclass
class FaultWorld:
    """A home folder deployed on an anvil node whose state lives in ``state``."""

    tmp: Path
    claims: int
    port: int = 0
    node: AnvilNode | None = None
    last_whole_state: bytes = b""

    def __post_init__(self) -> None:
        self.home = self.tmp / "home"
        self.state = self.tmp / "anvil-state.json"
        self.file = self.tmp / "claims.jsonl"
        self.port = self.port or free_port()

    # ------------------------------------------------------------------ the node

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start anvil from its state file, writing it back every second (and at a clean stop)."""
        self.node = AnvilNode(port=self.port, state=self.state, state_interval=1)

    def kill_node(self) -> None:
        assert self.node is not None
        self.node.kill()

    def stop(self) -> None:
        if self.node is not None:
            self.node.stop()

    def ledger(self, who: object = ADMIN) -> Ledger:
        return Ledger.open(Chain.connect(self.url), Manifest.load(self.home / "manifest.json"), who)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ set up

    def build(self) -> None:
        """Deploy (with the CLI), set the rule base, the hospital and its people up, write the
        claims file; then stop the node cleanly and start it again, so all this is in its state."""
        self.start()
        assert run(["deploy", "--rpc", self.url, "--home", str(self.home)]) == 0
        admin = self.ledger()
        today = chain_today(admin.chain)
        admin.add_region(CQ, "重庆市", opening_balance=10**12)
        admin.grant_role(admin.regulator_role(CQ), REGULATOR.address)
        regulator = admin.acting_as(REGULATOR)
        regulator.add_policy(dataclasses.replace(POLICY, effective_from=today, monthly_visit_limit=0,
                                                 max_claim_age_days=365, op_annual_cap=10**10, annual_cap=10**10))
        regulator.set_items(CQ, CATALOGUE_CQ)
        regulator.add_institution(HOSPITAL.address, CQ, level=3)
        regulator.grant_role(admin.operator_role(CQ), OPERATOR.address)
        people = [keccak(text=f"person {i}") for i in range(PEOPLE)]
        admin.acting_as(OPERATOR).enrol_many(
            [Enrolment(p, CQ, Scheme.EMPLOYEE, today, today.replace(year=today.year + 1)) for p in people])  # type: ignore[attr-defined]
        rows = []
        for i in range(self.claims):
            lines = [{"code": "XA01", "qty": 1 + i % 3, "unit_price": 2_000 + i}]
            if i % 4 == 0:
                lines.append({"code": "XB01", "qty": 1, "unit_price": 5_000})
            rows.append(json.dumps({"invoice": f"F-{i:05d}", "pseudonym": "0x" + people[i % PEOPLE].hex(),
                                    "date": str(today), "lines": lines}))
        self.file.write_text("\n".join(rows) + "\n")
        self.stop()
        self.start()

    def claim_ids(self) -> list[bytes]:
        return [codec.claim_id_of(HOSPITAL.address, f"F-{i:05d}") for i in range(self.claims)]

    # ------------------------------------------------------------------ the CLI as a process

    def submit(self, batch: int) -> subprocess.Popen[str]:
        args = ["claim", "submit", "--file", str(self.file), "--as", "dev7", "--batch", str(batch), "--json",
                "--home", str(self.home), "--rpc", self.url]
        return subprocess.Popen([sys.executable, "-c", CLI, *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def wait_for_blocks(self, proc: subprocess.Popen[str], blocks: int, timeout: float = 120) -> None:
        """Wait until the node has mined ``blocks`` more blocks (the CLI is then mid-way)."""
        chain = Chain.connect(self.url)
        start = chain.block_number()
        deadline = time.monotonic() + timeout
        while chain.block_number() < start + blocks:
            assert proc.poll() is None, f"the CLI ended before it was interrupted: {proc.communicate()}"
            assert time.monotonic() < deadline, "the CLI made no progress"
            time.sleep(0.02)

    def wait_for_state_write(self, proc: subprocess.Popen[str], timeout: float = 30) -> None:
        """Wait until anvil has written its state file again, whole (it does so every second),
        and keep a copy: anvil writes the file in place, so a SIGKILL during a write tears it,
        and the node then restarts from its last whole state (:meth:`restart_from_state`)."""
        before = self.state.stat().st_mtime_ns
        deadline = time.monotonic() + timeout
        while True:
            assert proc.poll() is None, f"the CLI ended before it was interrupted: {proc.communicate()}"
            assert time.monotonic() < deadline, "anvil wrote no whole state"
            if self.state.stat().st_mtime_ns != before:
                data = self.state.read_bytes()
                try:
                    json.loads(data)
                except ValueError:
                    time.sleep(0.01)
                    continue
                self.last_whole_state = data
                return
            time.sleep(0.01)

    def restart_from_state(self) -> None:
        """Start the killed node again from its state file, or from its last whole state
        when the SIGKILL tore the file mid-write."""
        try:
            json.loads(self.state.read_bytes())
        except ValueError:
            self.state.write_bytes(self.last_whole_state)
        self.start()

    def on_chain(self) -> int:
        """How many of the file's claims are stored on chain."""
        ledger = self.ledger()
        return sum(v is not None for v in stored_claims(ledger, self.claim_ids()))

    # ------------------------------------------------------------------ the laws

    def check_exactly_once(self, restarted: bool = False) -> None:
        """Every claim of the file is stored; none was decided twice (a retry's DUPLICATE would
        be a second ClaimDecided of its id) or as a DUPLICATE; the institution's payable is the
        sum of the approved fund shares, settling pays exactly that, and the fund law holds.

        A node restarted from its state file keeps the blocks but may miss the logs of the
        last block it wrote (anvil 1.7), so after a restart a stored claim may lack its event."""
        ledger = self.ledger()
        ids = self.claim_ids()
        stored = stored_claims(ledger, ids)
        views = [v for v in stored if v is not None]
        assert len(views) == len(ids)
        manifest = Manifest.load(self.home / "manifest.json")
        logs = ledger.chain.w3.eth.get_logs({
            "address": ledger.address, "fromBlock": manifest.block, "toBlock": "latest",
            "topics": ["0x" + ledger.event_topic("ClaimDecided").hex()]})  # type: ignore[typeddict-item]
        decided = Counter(bytes(log["topics"][1]) for log in logs)
        twice = [c for c, n in decided.items() if n > 1]
        never = set(ids) - set(decided)
        assert not twice and set(decided) <= set(ids), f"{len(twice)} claims decided twice"
        assert len(never) <= (20 if restarted else 0), f"{len(never)} claims without their decision event"
        reasons = {Reason(codec.decision_reason(int.from_bytes(bytes(log["data"])[:32], "big"))) for log in logs}
        assert Reason.DUPLICATE not in reasons
        payable = sum(v.fund for v in views if v.status == ClaimStatus.APPROVED)
        assert ledger.institution(HOSPITAL.address).payable == payable > 0
        ledger.acting_as(REGULATOR).settle(HOSPITAL.address)
        fund = ledger.fund(CQ)
        assert fund["settled"] == payable and fund_law_holds(fund)


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def json_doc(out: str) -> dict[str, object]:
    doc: dict[str, object] = json.loads(out)
    return doc


__all__ = ["FaultWorld", "finish", "json_doc"]
