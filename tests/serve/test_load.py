"""The service under load on 127.0.0.1 (issue 16 §4), bounded in time: FHIR batch Bundles
posted over HTTP to a real server against anvil, every entry's answer checked and every claim
found on the chain; the dashboard's pages asked for many times over the demo's world, every
answer a 200. The speeds themselves are `yibao bench --serve`'s figures (README "Measured"),
not asserted here: a test that times a shared 2-core machine fails for the wrong reasons."""

from __future__ import annotations

import pytest
from served_world import GZ, Served

from yibao import bench_serve


@pytest.mark.anvil
def test_fhir_batches_over_http_against_anvil(capsys: pytest.CaptureFixture[str]) -> None:
    doc = bench_serve.run_fhir(None, 1_000)
    assert doc["claims"] == 1_000 and doc["claims_per_second"] > 0
    with capsys.disabled():
        print(f"\nFHIR batches: {doc['claims_per_second']:,} claims/s ({doc['seconds']} s for 1,000)")


def test_fhir_bundle_is_exact_and_readable() -> None:
    from fhir.resources.R4B.bundle import Bundle

    text = bench_serve.fhir_bundle("urn:ethereum:1:0x" + "11" * 20, "urn:ethereum:1:0x" + "22" * 20,
                                   [bytes(32), b"\x01" * 32], 7, __import__("datetime").date(2026, 3, 1))
    assert '"value": 125.50' in text and '"value": 30.00' in text
    bundle = Bundle.model_validate_json(text)
    assert [e.resource.identifier[0].value for e in bundle.entry] == ["FHIR-7", "FHIR-8"]


def test_pages_under_load(served: Served) -> None:
    import httpx

    from yibao.serve.app import create_app
    from yibao.serve.server import Background
    from dataclasses import replace

    s = served

    def app_for(url: str) -> object:
        return create_app(replace(s.ctx, domain=url.split("//")[1], uri=f"{url}/auth"))

    with Background(app_for) as url, httpx.Client(base_url=url, timeout=60) as client:  # type: ignore[arg-type]
        bench_serve.signed_session(client, s.regulator(GZ))
        doc = bench_serve.time_pages(client, list(bench_serve.PAGES), 5)
    assert set(doc["pages"]) == set(bench_serve.PAGES) and doc["p95_ms"] > 0
