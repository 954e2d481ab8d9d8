"""The checked-in artifacts are what the sources compile to, byte for byte."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from yibao.chain import artifacts

BUILD_TOOL = Path(__file__).resolve().parents[1] / "tools" / "build_contracts.py"


def _load_build_tool() -> ModuleType:
    """tools/build_contracts.py, imported from the repository (it is not in the package)."""
    spec = importlib.util.spec_from_file_location("build_contracts", BUILD_TOOL)
    assert spec is not None and spec.loader is not None, BUILD_TOOL
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_contracts", module)
    spec.loader.exec_module(module)
    return module


compiler = _load_build_tool()


def test_build_tool_writes_the_packaged_artifacts() -> None:
    assert compiler.ARTIFACTS_FILE.resolve() == artifacts.ARTIFACTS_FILE.resolve()


def test_sources_hash_matches_checked_in_artifacts() -> None:
    doc = artifacts.load()
    assert doc["sources_hash"] == compiler.sources_hash(compiler.collect_sources()), (
        "contracts/ changed since the artifacts were built: run `make build` and commit"
    )


def test_rebuild_is_byte_identical() -> None:
    try:
        found = compiler.find_compiler()
    except Exception as exc:  # noqa: BLE001 - any failure to find one fails the test by name
        pytest.fail(f"no compiler to check the artifacts with: {exc}")
    rebuilt = compiler.render(compiler.compile_artifacts(found))
    assert rebuilt == compiler.ARTIFACTS_FILE.read_text(encoding="utf-8"), (
        "a rebuild differs from python/yibao/artifacts/contracts.json: run `make build` and commit"
    )


def test_compiler_settings_are_pinned() -> None:
    doc = artifacts.load()
    assert doc["compiler"]["version"].startswith(compiler.SOLC_VERSION + "+commit.")
    assert doc["compiler"]["evm_version"] == "prague"


def test_contracts_fit_the_eip170_limit() -> None:
    for name, c in artifacts.load()["contracts"].items():
        assert c["deployed_size"] <= 24_576, f"{name} is {c['deployed_size']} bytes"


def test_artifacts_hold_the_ledger_interface_and_storage_layouts() -> None:
    doc = artifacts.load()
    assert artifacts.ledger_abi() == doc["interfaces"][artifacts.LEDGER_INTERFACE]["abi"]
    for name in (*artifacts.MODULES, artifacts.LEDGER):
        assert name in doc["storage_layouts"], name


def test_explicit_solc_must_be_the_pinned_version(tmp_path, monkeypatch) -> None:
    fake = tmp_path / "solc"
    fake.write_text("#!/bin/sh\necho 'Version: 0.8.19+commit.7dd6d404.Linux.g++'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("SOLC", str(fake))
    with pytest.raises(compiler.BuildError, match=r"pins 0\.8\.30"):
        compiler.find_compiler()


def test_missing_explicit_solc_is_named(monkeypatch) -> None:
    monkeypatch.setenv("SOLC", "/nonexistent/solc")
    with pytest.raises(compiler.BuildError, match="/nonexistent/solc does not exist"):
        compiler.find_compiler()
