"""Build the contracts into checked-in artifacts, with a compiler found offline.

Run from the repository: ``.venv/bin/python tools/build_contracts.py`` (``make build``). It
writes ``python/yibao/artifacts/contracts.json``: each deployable contract's ABI, bytecode and
size, the ABI of ``IYibaoLedger`` (the whole API at the ledger's address, which the Python
client loads), and solc's storage layout of every contract.

The compiler is looked for in this order:

1. ``SOLC`` — an explicit path to a ``solc`` executable;
2. a native solc of the pinned version that py-solc-x has already installed;
3. npm's ``solc`` package (solc-js), pinned in ``package.json``, driven through
   ``tools/solcjs-shim.cjs`` (a ``solc`` look-alike; solc-js has no usable CLI for py-solc-x).

Every source, OpenZeppelin's included, is passed as content in the standard-JSON input,
so native solc and solc-js see exactly the same input and give the same bytecode.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yibao.errors import BuildError

SOLC_VERSION = "0.8.30"
EVM_VERSION = "prague"
OPTIMIZER_RUNS = 20000
VIA_IR = True

REPO_ROOT = Path(__file__).resolve().parents[1]
CONTRACTS_DIR = REPO_ROOT / "contracts"
NODE_MODULES = REPO_ROOT / "node_modules"
SHIM = REPO_ROOT / "tools" / "solcjs-shim.cjs"
ARTIFACTS_FILE = REPO_ROOT / "python" / "yibao" / "artifacts" / "contracts.json"

#: Interfaces whose ABI goes into the artifacts (under ``interfaces``).
INTERFACES = ("IYibaoLedger",)
#: What solc is asked for, for every project source.
OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "storageLayout"]

_IMPORT_RE = re.compile(r'^\s*import\s+(?:[^"\']*from\s+)?["\']([^"\']+)["\'];', re.MULTILINE)


@dataclass(frozen=True)
class Compiler:
    """A compiler executable that py-solc-x can drive."""

    path: Path
    kind: str  # "env", "native" or "solc-js"
    version: str  # full version, e.g. 0.8.30+commit.73712a01.Linux.g++


def _version_of(path: Path) -> str:
    import subprocess

    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=60, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise BuildError(f"compiler {path} does not answer --version: {exc}") from exc
    m = re.search(r"Version:\s*(\S+)", out)
    if not m:
        raise BuildError(f"compiler {path} printed no version")
    return m.group(1)


def find_compiler() -> Compiler:
    """Find a solc of the pinned version, in the documented order."""
    env = os.environ.get("SOLC")
    if env:
        path = Path(env)
        if not path.exists():
            raise BuildError(f"SOLC={env} does not exist")
        version = _version_of(path)
        if not version.startswith(SOLC_VERSION + "+"):
            raise BuildError(f"SOLC={env} is solc {version}; the project pins {SOLC_VERSION}")
        return Compiler(path, "env", version)
    try:
        import solcx

        for v in solcx.get_installed_solc_versions():
            if str(v) == SOLC_VERSION:
                path = Path(solcx.install.get_executable(v))
                return Compiler(path, "native", _version_of(path))
    except Exception:  # noqa: BLE001 - py-solc-x missing or no install folder: fall through
        pass
    if SHIM.exists() and (NODE_MODULES / "solc" / "package.json").exists() and shutil.which("node"):
        version = _version_of(SHIM)
        if not version.startswith(SOLC_VERSION + "+"):
            raise BuildError(f"npm solc is {version}; package.json must pin {SOLC_VERSION}")
        return Compiler(SHIM, "solc-js", version)
    raise BuildError(
        f"no solc {SOLC_VERSION} found: set SOLC, run solcx.install_solc('{SOLC_VERSION}'), "
        "or run `npm ci` for the pinned solc-js"
    )


def _resolve(importer: str, target: str) -> str:
    if target.startswith("."):
        return os.path.normpath(os.path.join(os.path.dirname(importer), target))
    return target


def _read_source(key: str) -> str:
    if key.startswith("contracts/"):
        path = REPO_ROOT / key
    else:
        path = NODE_MODULES / key
    if not path.exists():
        raise BuildError(f"source {key} not found (is `npm ci` done?)")
    return path.read_text(encoding="utf-8")


def collect_sources() -> dict[str, str]:
    """All project sources and the closure of their imports, keyed by import path."""
    pending = sorted(
        str(p.relative_to(REPO_ROOT)) for p in CONTRACTS_DIR.rglob("*.sol")
    )
    sources: dict[str, str] = {}
    while pending:
        key = pending.pop()
        if key in sources:
            continue
        text = _read_source(key)
        sources[key] = text
        for target in _IMPORT_RE.findall(text):
            dep = _resolve(key, target)
            if dep not in sources:
                pending.append(dep)
    return dict(sorted(sources.items()))


def sources_hash(sources: dict[str, str]) -> str:
    """sha256 over the canonical JSON of every source path and content."""
    blob = json.dumps(sources, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def standard_input(sources: dict[str, str]) -> dict[str, Any]:
    return {
        "language": "Solidity",
        "sources": {k: {"content": v} for k, v in sources.items()},
        "settings": {
            "optimizer": {"enabled": True, "runs": OPTIMIZER_RUNS},
            "viaIR": VIA_IR,
            "evmVersion": EVM_VERSION,
            # `contracts/**` is not a glob solc knows: each project file is selected
            "outputSelection": {
                k: {"*": list(OUTPUTS)} for k in sources if k.startswith("contracts/")
            },
        },
    }


def compile_artifacts(compiler: Compiler | None = None) -> dict[str, Any]:
    """Compile every contract under contracts/ and return the artifact document."""
    import solcx

    compiler = compiler or find_compiler()
    sources = collect_sources()
    std = standard_input(sources)
    try:
        out = solcx.compile_standard(std, solc_binary=compiler.path, allow_empty=True)
    except solcx.exceptions.SolcError as exc:
        first = str(exc).splitlines()[0]
        try:  # solc answered with JSON errors: show the first one with its location
            doc = json.loads(exc.stdout_data or "")
            errs = [e for e in doc.get("errors", []) if e.get("severity") == "error"]
            if errs:
                first = errs[0].get("formattedMessage", first).strip()
        except (ValueError, AttributeError, TypeError):
            pass
        raise BuildError(f"solc failed: {first}") from None
    errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise BuildError("solc: " + errors[0].get("formattedMessage", str(errors[0])).strip())
    contracts: dict[str, Any] = {}
    interfaces: dict[str, Any] = {}
    layouts: dict[str, Any] = {}
    for path, items in sorted(out["contracts"].items()):
        for name, data in sorted(items.items()):
            if name in layouts:
                raise BuildError(f"two contracts are named {name}")
            layouts[name] = data["storageLayout"]
            if name in INTERFACES:
                interfaces[name] = {"source": path, "abi": data["abi"]}
            bytecode = data["evm"]["bytecode"]["object"]
            if not bytecode or not data["abi"]:  # interfaces, abstract contracts, internal libraries
                continue
            contracts[name] = {
                "source": path,
                "abi": data["abi"],
                "bytecode": "0x" + bytecode,
                "deployed_size": len(data["evm"]["deployedBytecode"]["object"]) // 2,
            }
    missing = [name for name in INTERFACES if name not in interfaces]
    if missing:
        raise BuildError(f"no interface {', '.join(missing)} under contracts/")
    return {
        "compiler": {
            "version": compiler.version.rsplit(".", 2)[0]
            if compiler.version.count(".") > 3
            else compiler.version,
            "evm_version": EVM_VERSION,
            "optimizer_runs": OPTIMIZER_RUNS,
            "via_ir": VIA_IR,
        },
        "sources_hash": sources_hash(sources),
        "contracts": contracts,
        "interfaces": interfaces,
        "storage_layouts": layouts,
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"


def build(write: bool = True) -> tuple[Compiler, dict[str, Any]]:
    compiler = find_compiler()
    doc = compile_artifacts(compiler)
    if write:
        ARTIFACTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        ARTIFACTS_FILE.write_text(render(doc), encoding="utf-8")
    return compiler, doc


def main() -> None:
    compiler, doc = build()
    sizes = ", ".join(f"{k} {v['deployed_size']} B" for k, v in doc["contracts"].items())
    print(f"compiled with {compiler.kind} solc {compiler.version} ({compiler.path})")
    print(f"wrote {ARTIFACTS_FILE.relative_to(REPO_ROOT)}: {sizes}")


if __name__ == "__main__":
    main()
