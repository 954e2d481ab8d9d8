"""``yibao bench --serve``: the service's speed on 127.0.0.1 (issue 16 §4).

- **FHIR batches**: a hospital signs in and posts batch Bundles of :data:`BUNDLE` Claims (two
  lines each) to ``POST /fhir`` over HTTP; each Bundle is one ``submitClaims`` transaction. The
  figure is claims decided per second, from the first request to the last answer, against anvil
  started here (or ``--rpc``); every entry's answer is checked (200, a ClaimResponse).
- **Dashboard pages**: the demo's world at its default size (1,000 people, 10,000 claims, played
  on the fast engine), served; a regulator signs in and each page is asked for ``samples``
  times; the figures are each page's p50 and p95 and all pages' p95, in milliseconds.

Targets (issue 16): FHIR batches ≥ 500 claims/s; pages p95 ≤ 200 ms.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from yibao.bench import REGION, BenchWorld, build_world
from yibao.bench_index import node_chain, percentile
from yibao.errors import YibaoError

TARGETS = {"fhir_claims_per_second": 500, "page_p95_ms": 200.0}
BUNDLE = 200
DEFAULT_FHIR_CLAIMS = 10_000
DEFAULT_PAGE_SAMPLES = 50
CLAIM_TYPES = "http://terminology.hl7.org/CodeSystem/claim-type"
Note = Callable[[str, int, int], None]


def _quiet(_stage: str, _done: int, _total: int) -> None:
    """No progress shown."""


class ServiceRefused(YibaoError):
    """The service answered a benchmark's request with an error."""


def signed_session(client: Any, account: LocalAccount) -> None:
    """Sign ``client`` (an httpx client on the service) in as ``account``: the session cookie is kept."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    msg = client.get("/auth/challenge", params={"address": account.address}).json()["message"]
    sig = Account.sign_message(encode_defunct(text=msg), account.key).signature.hex()
    r = client.post("/auth/session", json={"message": msg, "signature": "0x" + sig.removeprefix("0x")})
    if r.status_code != 200:
        raise ServiceRefused(f"sign-in refused: {r.text[:200]}")


def fhir_bundle(ns: str, provider: str, people: list[bytes], first: int, day: dt.date) -> str:
    """A batch Bundle of one Claim per person (invoices ``FHIR-<first + i>``): two lines of the
    bench's catalogue, X001 × 2 at 125.50 and X002 × 1 at 30.00."""
    entries = []
    for i, person in enumerate(people):
        claim = {
            "resourceType": "Claim", "status": "active", "use": "claim", "created": f"{day}T09:00:00+08:00",
            "type": {"coding": [{"system": CLAIM_TYPES, "code": "professional"}]},
            "identifier": [{"system": "urn:hospital:invoice", "value": f"FHIR-{first + i}"}],
            "patient": {"identifier": {"system": f"{ns}:person", "value": "0x" + person.hex()}},
            "provider": {"identifier": {"system": "urn:ietf:rfc:3986", "value": provider}},
            "priority": {"coding": [{"code": "normal"}]},
            "insurance": [{"sequence": 1, "focal": True, "coverage": {"display": "basic medical insurance"}}],
            "billablePeriod": {"start": day.isoformat()},
            "item": [{"sequence": 1, "productOrService": {"coding": [{"system": f"{ns}:catalogue", "code": "X001"}]},
                      "quantity": {"value": 2}, "unitPrice": {"value": "125.50", "currency": "CNY"}},
                     {"sequence": 2, "productOrService": {"coding": [{"system": f"{ns}:catalogue", "code": "X002"}]},
                      "quantity": {"value": 1}, "unitPrice": {"value": "30.00", "currency": "CNY"}}]}
        entries.append({"resource": claim, "request": {"method": "POST", "url": "Claim"}})
    text = json.dumps({"resourceType": "Bundle", "type": "batch", "entry": entries})
    return text.replace('"value": "125.50"', '"value": 125.50').replace('"value": "30.00"', '"value": 30.00')


@contextmanager
def _served(ctx_for: Callable[[str], Any], follow: bool = False) -> Iterator[Any]:
    """An httpx client on the application of ``ctx_for(url)`` served on 127.0.0.1."""
    import httpx

    from yibao.serve.app import create_app
    from yibao.serve.server import Background

    with Background(lambda url: create_app(ctx_for(url), follow=follow)) as url, \
            httpx.Client(base_url=url, timeout=120) as client:
        yield client


def post_batches(client: Any, w: BenchWorld, ns: str, provider: str, claims: int, note: Note = _quiet) -> float:
    """Post ``claims`` claims in Bundles of :data:`BUNDLE`, each answer checked; the seconds taken."""
    day = w.ledger.today()
    bundles = [fhir_bundle(ns, provider, [w.people[(k + j) % len(w.people)] for j in range(min(BUNDLE, claims - k))],
                           k, day) for k in range(0, claims, BUNDLE)]
    started = time.perf_counter()
    done = 0
    for text in bundles:
        r = client.post("/fhir", content=text, headers={"Content-Type": "application/fhir+json"})
        answer = r.json()
        if r.status_code != 200 or any(not e["response"]["status"].startswith("200") for e in answer["entry"]):
            raise ServiceRefused(f"POST /fhir answered {r.status_code}: {r.text[:300]}")
        done += len(answer["entry"])
        note("FHIR batches", done, claims)
    return time.perf_counter() - started


def run_fhir(rpc: str | None, claims: int = DEFAULT_FHIR_CLAIMS, note: Note = _quiet) -> dict[str, Any]:
    """The FHIR batch figure (module docstring)."""
    from yibao.chain import dev_account
    from yibao.serve.context import ServeContext

    with node_chain(rpc) as chain:
        w = build_world(chain, people=max(100, min(claims // 4, 5_000)))
        hospital = dev_account(7)
        keys: dict[str, LocalAccount] = {hospital.address: hospital}

        def no_national_ids(_: str) -> bytes:
            raise ServiceRefused("the bench's claims name pseudonyms")

        def ctx_for(url: str) -> ServeContext:
            return ServeContext(w.ledger, keys.get, no_national_ids, domain=url.split("//")[1], uri=f"{url}/auth")

        with _served(ctx_for) as client:
            signed_session(client, hospital)
            ns = f"urn:ethereum:{chain.chain_id}:{w.ledger.address}"
            seconds = post_batches(client, w, ns, f"urn:ethereum:{chain.chain_id}:{hospital.address}", claims, note)
    rate = claims / seconds if seconds else 0.0
    return {"chain": "anvil" if rpc is None else rpc, "claims": claims, "bundle": BUNDLE, "region": REGION,
            "seconds": round(seconds, 3), "claims_per_second": round(rate),
            "target": TARGETS["fhir_claims_per_second"], "met": rate >= TARGETS["fhir_claims_per_second"]}


PAGES = ("/overview", "/alerts", "/alerts?severity=high", "/leads", "/leads?status=OPEN", "/cases", "/institutions",
         "/clearing")


def time_pages(client: Any, paths: list[str], samples: int, note: Note = _quiet) -> dict[str, Any]:
    """Each of ``paths`` asked ``samples`` times in turn (warmed once first): p50 and p95 per page."""
    times: dict[str, list[float]] = {p: [] for p in paths}
    for p in paths:
        if client.get(p).status_code != 200:
            raise ServiceRefused(f"GET {p} was not 200")
    for i in range(samples):
        for p in paths:
            t = time.perf_counter()
            r = client.get(p)
            times[p].append(time.perf_counter() - t)
            if r.status_code != 200:
                raise ServiceRefused(f"GET {p} answered {r.status_code}")
        note("dashboard pages", i + 1, samples)
    every = [s * 1000 for ts in times.values() for s in ts]
    pages = {p: {"p50_ms": round(percentile([s * 1000 for s in ts], 50), 1),
                 "p95_ms": round(percentile([s * 1000 for s in ts], 95), 1)} for p, ts in times.items()}
    p95 = percentile(every, 95)
    return {"samples": samples, "pages": pages, "p95_ms": round(p95, 1), "target_ms": TARGETS["page_p95_ms"],
            "met": p95 <= TARGETS["page_p95_ms"]}


def run_pages(samples: int = DEFAULT_PAGE_SAMPLES, note: Note = _quiet, people: int = 1000,
              claims: int = 10_000) -> dict[str, Any]:
    """The dashboard figure (module docstring): the demo played, then its pages timed."""
    from yibao.demo import play_demo
    from yibao.demo.served import demo_context
    from yibao.demo.world_rules import GZ

    with tempfile.TemporaryDirectory(prefix="yibao-bench-serve-") as folder:
        run = play_demo(people=people, claims=claims, seed=7, out_dir=Path(folder), engine="anvil")
        try:
            with _served(lambda url: demo_context(run, domain=url.split("//")[1], uri=f"{url}/auth")) as client:
                assert run.player is not None
                signed_session(client, run.player.regulator[GZ])
                claim = client.get("/api/claims", params={"limit": 1}).json()["claims"][0]["claim_id"]
                institution = client.get("/api/institutions").json()["institutions"][0]["account"]
                paths = [*PAGES, f"/claims/{claim}", f"/institutions/{institution}"]
                doc = time_pages(client, paths, samples, note)
        finally:
            run.ledger.chain.close()
    return {"demo": {"people": people, "claims": claims}, **doc}


def serve_bench(rpc: str | None, claims: int | None, samples: int | None, note: Note = _quiet) -> dict[str, Any]:
    """Both figures of ``yibao bench --serve``."""
    fhir = run_fhir(rpc, claims or DEFAULT_FHIR_CLAIMS, note)
    pages = run_pages(samples or DEFAULT_PAGE_SAMPLES, note)
    return {"targets": TARGETS, "fhir": fhir, "pages": pages}


__all__ = ["BUNDLE", "DEFAULT_FHIR_CLAIMS", "DEFAULT_PAGE_SAMPLES", "PAGES", "TARGETS", "ServiceRefused",
           "fhir_bundle", "post_batches", "run_fhir", "run_pages", "serve_bench", "signed_session", "time_pages"]
