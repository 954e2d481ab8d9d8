"""The main job, for now: deploy, set up two regions, designate institutions, enrol people.

Synthetic and seeded: national IDs are made up (valid GB 11643 check digits), hashed with a
demo key derived from the seed, and only the pseudonyms go on chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from pathlib import Path
from typing import Any

from eth_account import Account
from rich.console import Console

from yibao.chain.backend import Chain, dev_account
from yibao.client import Enrolment, Ledger
from yibao.identity import PseudonymKey, check_digit
from yibao.model.types import Grade, Scheme

REGIONS = [(500000, "重庆市 Chongqing", 50_000_000_000), (440100, "广州市 Guangzhou", 80_000_000_000)]
INSTITUTIONS = [
    ("重庆医科大学附属第一医院", 500000, 3, "A"),
    ("重庆市渝中区人民医院", 500000, 2, "B"),
    ("重庆市沙坪坝区社区卫生服务中心", 500000, 1, "A"),
    ("重庆和平药房", 500000, 0, "C"),
    ("中山大学附属第一医院", 440100, 3, "A"),
    ("广州市第一人民医院", 440100, 3, "B"),
    ("广州市越秀区社区卫生服务中心", 440100, 1, "D"),
    ("广州大参林药店", 440100, 0, "A"),
]
YEAR = 2026


def synthetic_id(rng: random.Random, region: int) -> str:
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 66))
    first17 = f"{region // 100:04d}{rng.randrange(1, 99):02d}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + check_digit(first17)


def run_demo(rpc: str | None = None, people: int = 1000, seed: int = 7,
             console: Console | None = None, out_dir: Path = Path("out/demo")) -> dict[str, Any]:
    rng = random.Random(seed)
    chain = Chain.connect(rpc) if rpc else Chain.embedded()
    admin = dev_account(0)
    ledger = Ledger.deploy(chain, admin)
    regulators = {500000: dev_account(1), 440100: dev_account(2)}
    operators = {500000: dev_account(3), 440100: dev_account(4)}
    for code, name, fund in REGIONS:
        ledger.add_region(code, name, fund)
        ledger.grant_role(ledger.regulator_role(code), regulators[code].address)
        ledger.acting_as(regulators[code]).grant_role(ledger.operator_role(code), operators[code].address)
        ledger.acting_as(regulators[code]).grant_role(ledger.reviewer_role(code), dev_account(5).address)
    insts = []
    for i, (name, region, level, grade) in enumerate(INSTITUTIONS):
        acct = Account.from_key(hashlib.sha256(f"yibao-demo-{seed}-institution-{i}".encode()).digest())
        ledger.acting_as(regulators[region]).add_institution(acct.address, region, level, Grade[grade])
        insts.append((name, acct.address))
    key = PseudonymKey(hashlib.sha256(f"yibao-demo-{seed}-pseudonym-key".encode()).digest())
    by_region: dict[int, list[Enrolment]] = {code: [] for code, _, _ in REGIONS}
    filings: list[tuple[bytes, int, int]] = []
    for _ in range(people):
        region = rng.choice([500000, 500000, 440100])
        pid = key.pseudonym(synthetic_id(rng, region))
        scheme = Scheme.EMPLOYEE if rng.random() < 0.45 else Scheme.RESIDENT
        by_region[region].append(Enrolment(pid, region, scheme, dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)))
        if rng.random() < 0.05:
            filings.append((pid, region, 440100 if region == 500000 else 500000))
    t0 = time.perf_counter()
    gas = txs = 0
    total = sum(len(v) for v in by_region.values())
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  console=console, disable=console is None) as bar:
        task = bar.add_task("enrolling", total=total)
        for region, batch in by_region.items():
            results = ledger.acting_as(operators[region]).enrol_many(
                batch, progress=lambda n: bar.advance(task, n))
            gas += sum(r.gas_used for r in results)
            txs += len(results)
    elapsed = time.perf_counter() - t0
    for pid, home, other in filings:
        ledger.acting_as(operators[home]).add_filing(pid, other, dt.date(YEAR, 3, 1), dt.date(YEAR, 8, 31))
    sample = [ledger.person(e.person).to_json() for e in (by_region[500000][:3] + by_region[440100][:2])]
    sample += [ledger.person(pid).to_json() for pid, _, _ in filings[:2]]
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = out_dir / "manifest.json"
    ledger.manifest.save(manifest_path)
    return {
        "chain": chain.describe(),
        "manifest": str(manifest_path),
        "ledger": ledger.address,
        "regions": [
            {**ledger.region(code), "people": len(by_region[code])} for code, _, _ in REGIONS
        ],
        "institutions": [
            {"name": name, **ledger.institution(addr).to_json()} for name, addr in insts
        ],
        "people_total": ledger.person_count(),
        "people_sample": sample,
        "stats": {
            "people": total,
            "enrol_transactions": txs,
            "gas_per_person": gas // max(total, 1),
            "people_per_second": int(total / elapsed) if elapsed > 0 else 0,
            "filings": len(filings),
        },
    }
