"""Every function of IYibaoLedger is served at the ledger's address, and nothing else is.

On a deployed ledger: each IYibaoLedger function is the ledger's own (`submitClaims`,
`moduleOf`) or routed to a module that implements it (`moduleOf(selector) != 0`); each module
serves only IYibaoLedger functions; the module-internal functions (`moduleSelectors`,
`initialize`) are not routed. `initialize` is in IYibaoLedger (IRegistry) so that clients can
name it, but it runs only inside the ledger's constructor.
"""

from __future__ import annotations

from eth_abi.abi import decode as abi_decode
from eth_utils.abi import function_signature_to_4byte_selector
from yibao.chain import artifacts
from yibao.chain.abi import ABI, signature
from yibao.client import Ledger

LEDGER_OWN = {"submitClaims(bytes32[])", "moduleOf(bytes4)"}
MODULE_INTERNAL = {"moduleSelectors()", "initialize(address)"}
ZERO = "0x" + "00" * 20


def _functions(abi: ABI) -> dict[str, bytes]:
    return {
        signature(i): function_signature_to_4byte_selector(signature(i)) for i in abi if i["type"] == "function"
    }


def _module_of(ledger: Ledger, selector: bytes) -> str:
    data = function_signature_to_4byte_selector("moduleOf(bytes4)") + selector.ljust(32, b"\0")
    (addr,) = abi_decode(["address"], ledger.chain.call(ledger.address, data))
    return str(addr).lower()


def _served_by(ledger: Ledger, module: str) -> list[bytes]:
    raw = ledger.chain.call(module, function_signature_to_4byte_selector("moduleSelectors()"))
    (selectors,) = abi_decode(["bytes4[]"], raw)
    return [bytes(s) for s in selectors]


def _modules(ledger: Ledger) -> dict[str, str]:
    return {name: addr.lower() for name, addr in ledger.manifest.modules.items()}


def test_the_ledger_itself_defines_only_its_own_functions() -> None:
    assert set(_functions(artifacts.contract(artifacts.LEDGER)["abi"])) == LEDGER_OWN


def test_every_ledger_interface_function_is_routed(ledger: Ledger) -> None:
    modules = _modules(ledger)
    by_address = {addr: name for name, addr in modules.items()}
    for sig, sel in _functions(artifacts.ledger_abi()).items():
        module = _module_of(ledger, sel)
        if sig in LEDGER_OWN or sig in MODULE_INTERNAL:
            assert module == ZERO, f"{sig} is routed to {module}"
            continue
        assert module in by_address, f"{sig} reaches no module (moduleOf = {module})"
        implemented = _functions(artifacts.contract(by_address[module])["abi"])
        assert sig in implemented, f"{sig} is routed to {by_address[module]}, which lacks it"


def test_modules_serve_nothing_outside_the_ledger_interface(ledger: Ledger) -> None:
    interface = _functions(artifacts.ledger_abi())
    served: dict[bytes, str] = {}
    for name, addr in _modules(ledger).items():
        listed = _served_by(ledger, addr)
        assert len(set(listed)) == len(listed), f"{name} lists a selector twice"
        own = _functions(artifacts.contract(name)["abi"])
        names = {sel: sig for sig, sel in own.items()}
        for sel in listed:
            assert sel in names, f"{name} lists {sel.hex()}, which it does not implement"
            assert names[sel] in interface, f"{name} serves {names[sel]}, which IYibaoLedger lacks"
            assert names[sel] not in MODULE_INTERNAL, f"{name} routes its internal {names[sel]}"
            assert sel not in served, f"{names[sel]} is served by {served[sel]} and {name}"
            assert _module_of(ledger, sel) == addr
            served[sel] = name
        for sig, sel in own.items():
            if sig not in interface:
                assert sig in MODULE_INTERNAL, f"{name}.{sig} is in no interface of the ledger"
            if sig in MODULE_INTERNAL:
                assert _module_of(ledger, sel) == ZERO, f"{name}.{sig} is routed"
    routed = {sel for sig, sel in interface.items() if sig not in LEDGER_OWN | MODULE_INTERNAL}
    assert set(served) == routed


def test_ledger_interface_declares_every_error_and_event() -> None:
    """Python decodes reverts and logs by the ledger ABI alone: every error and event any
    deployed contract declares is in IYibaoLedger, except OpenZeppelin's initializer ones
    (no initializer runs)."""

    def kinds(abi: ABI) -> set[tuple[str, str]]:
        return {(i["type"], signature(i)) for i in abi if i["type"] in ("error", "event")}

    unused = {("error", "InvalidInitialization()"), ("error", "NotInitializing()"), ("event", "Initialized(uint64)")}
    declared: set[tuple[str, str]] = set()
    for name in (*artifacts.MODULES, artifacts.LEDGER):
        declared |= kinds(artifacts.contract(name)["abi"])
    missing = declared - unused - kinds(artifacts.ledger_abi())
    assert not missing, sorted(missing)
