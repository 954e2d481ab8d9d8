"""What the commands share: the chain options (declared once, here) and the output helpers.

A chain command takes its options as one typed :class:`ChainOptions`, its first parameter,
and is decorated with :func:`chain_options`, which puts ``--rpc``, ``--manifest``,
``--home``, ``--as`` and ``--json`` on the command line after the command's own options::

    @region_app.command("add")
    @chain_options()
    def region_add(opts: ChainOptions, code: int, name: str) -> None:
        _, ledger = opts.open()
        opts.tx(f"region {code} added", ledger.add_region(code, name))

A read-only command passes ``signer=None`` (no ``--as``, and it decrypts no key). Commands
that are not about a deployment (``simulate``, ``bench``, ``demo``) use the option types
(:data:`RpcOpt`, :data:`JsonOpt`) directly.

The option parsers below (:func:`region_code`, :func:`fen`, :func:`day_text`, …) refuse a bad
value while the command line is parsed, before any chain is opened, with the range the chain
stores: a usage error (exit status 2) of one line.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import itertools
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Concatenate, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from yibao.errors import AccessDenied, ContractError, InputError
from yibao.identity import PseudonymKey, normalise_id, parse_pseudonym
from yibao.keys import check_private, check_signer_ref, checksum_address
from yibao.units import parse_money, yuan

if TYPE_CHECKING:
    from yibao.client import Ledger, TxResult
    from yibao.workspace import Workspace

out = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]
RpcOpt = Annotated[str | None, typer.Option("--rpc", help="JSON-RPC URL of a node")]
ManifestOpt = Annotated[Path | None, typer.Option("--manifest", help="deployment manifest")]
HomeOpt = Annotated[Path | None, typer.Option("--home", help="state folder (default ./.yibao)")]

# ---------------------------------------------------------------------- option parsers

_INT = re.compile(r"[+-]?[0-9]{1,80}")  # ASCII digits only: int() also takes "1_000" and "١٢٣"
U64 = 1 << 64


def whole_number(text: str | int, lo: int, hi: int, what: str) -> int:
    """``text`` as an integer of ASCII digits in ``lo..hi``; ``what`` names it in a refusal.
    (Typer passes a default through the parser too: an int is checked as it is.)"""
    t = str(text).strip()
    if not _INT.fullmatch(t):
        raise InputError(f"{t[:40]!r} is not a whole number ({what})")
    n = int(t)
    if not lo <= n <= hi:
        raise InputError(f"{what} must be {lo}..{hi}, not {t[:40]}")
    return n


def region_code(text: str | int) -> int:
    """A region code (统筹区划代码): 6 digits, 100000..999999."""
    return whole_number(text, 100_000, 999_999, "a region code of 6 digits")


def amount(text: str | int, lo: int, hi: int, what: str = "fen") -> int:
    """An amount of money in ``lo..hi`` fen, typed as whole fen (``12345``, the default unit) or
    as yuan with the unit (``123.45元``, ``123.45yuan``): :func:`yibao.units.parse_money`,
    integers only; ``what`` names it in a refusal."""
    n = parse_money(text)
    if not lo <= n <= hi:
        t = str(text).strip()[:40]
        raise InputError(f"{what} must be {lo}..{hi}, not {t}" + ("" if t.lstrip("+-").isdigit() else f" ({n} fen)"))
    return n


def fen(text: str | int) -> int:
    """An amount of money, as the chain stores it: 0 ≤ fen < 2^64 (fen, or yuan as ``123.45元``)."""
    return amount(text, 0, U64 - 1)


def positive_fen(text: str | int) -> int:
    """A paid amount: 1 ≤ fen < 2^64 (fen, or yuan as ``123.45元``)."""
    return amount(text, 1, U64 - 1)


def claimed_fund(text: str | int) -> int:
    """The fund share an institution claims: 0 ≤ fen < 2^63 (fen, or yuan as ``123.45元``)."""
    return amount(text, 0, (1 << 63) - 1)


def reason_code(text: str | int) -> int:
    """A status reason code, 0..255."""
    return whole_number(text, 0, 255, "a reason code")


def level(text: str | int) -> int:
    """An institution level: 0 (pharmacy) to 3."""
    return whole_number(text, 0, 3, "a level")


def batch_size(text: str | int) -> int:
    """People per enrolment transaction, 1..500 (RegistryModule's MAX_BATCH)."""
    return whole_number(text, 1, 500, "people per transaction")


def claim_batch(text: str | int) -> int:
    """Claims per transaction, 1..200 (YibaoLedger's MAX_CLAIMS)."""
    return whole_number(text, 1, 200, "claims per transaction")


def port_number(text: str | int) -> int:
    """A TCP port, 1..65535."""
    return whole_number(text, 1, 65_535, "a port")


LAST_SECOND = 253_402_300_799  # 9999-12-31 23:59:59 UTC


def unix_time(text: str | int) -> int:
    """A block time in unix seconds, 0 (1970) to the last second of 9999."""
    return whole_number(text, 0, LAST_SECOND, "unix seconds")


def dump_interval(text: str | int) -> int:
    """Seconds between state dumps of ``yibao node``, 1..86400."""
    return whole_number(text, 1, 86_400, "seconds between state dumps")


def random_seed(text: str | int) -> int:
    """A random seed, 0..2^63-1."""
    return whole_number(text, 0, (1 << 63) - 1, "a seed")


def demo_people(text: str | int) -> int:
    """People in the demo's world, 20..1,000,000 (its regions need twenty)."""
    return whole_number(text, 20, 1_000_000, "people (the demo needs at least 20)")


def demo_claims(text: str | int) -> int:
    """Claims in the demo's year, 1..10,000,000."""
    return whole_number(text, 1, 10_000_000, "claims")


def bench_history(text: str | int) -> int:
    """Earlier claims before the bench's last gas figure, 0..10,000,000."""
    return whole_number(text, 0, 10_000_000, "claims of history")


def bench_singles(text: str | int) -> int:
    """Claims sent one per transaction for the bench's speed figure, 1..100,000."""
    return whole_number(text, 1, 100_000, "claims sent singly")


def bench_claims(text: str | int) -> int:
    """Claims the index benchmarks submit to the node, 1..10,000,000."""
    return whole_number(text, 1, 10_000_000, "claims")


def bench_samples(text: str | int) -> int:
    """Pre-checks timed by ``bench --precheck`` (or each page's samples of ``bench --serve``), 10..100,000."""
    return whole_number(text, 10, 100_000, "pre-checks timed")


def bench_size(text: str | int) -> int:
    """Claims of one synthetic index of ``bench --screen``, 1,000..10,000,000."""
    return whole_number(text, 1_000, 10_000_000, "claims of a synthetic index")


def bench_sizes(text: str) -> str:
    """Sizes of ``bench --screen``: 1 to 10 growing whole numbers 1,000..10,000,000 separated by
    commas (``100000,300000``); returned without spaces."""
    sizes = [bench_size(p) for p in str(text).split(",")]
    if len(sizes) > 10:
        raise InputError(f"at most 10 sizes, not {len(sizes)}")
    for a, b in itertools.pairwise(sizes):
        if b <= a:
            raise InputError(f"sizes must grow: {b} after {a}")
    return ",".join(map(str, sizes))


def out_folder(text: str | Path) -> Path:
    """A folder to write into: an existing folder, or one that can be made in a writable one."""
    path = Path(text)
    t = str(text)
    if not t.strip() or "\0" in t:
        raise InputError(f"{t[:80]!r}: not a folder name")
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(f"{t[:80]}: {probe} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"{t[:80]}: cannot write in {probe}")
    return path


EPOCH = dt.date(1970, 1, 1)


def day_text(text: str) -> str:
    """A ``YYYY-MM-DD`` date from 1970-01-01 on (the chain counts days from then)."""
    t = text.strip()
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", t):
        raise InputError(f"{t[:40]!r} is not a date (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(t)
    except ValueError:
        raise InputError(f"{t!r} is not a date (YYYY-MM-DD)") from None
    if day < EPOCH:
        raise InputError(f"{t} is before {EPOCH.isoformat()}")
    return t


def account_ref(text: str) -> str:
    """An account: a 0x address or a key name (never a private key)."""
    t = text
    if t.startswith("0x") and len(t) == 42:
        return checksum_address(t)
    return check_signer_ref(t)


def address_text(text: str) -> str:
    """An address: 0x and 40 hex digits (mixed case must be its EIP-55 checksum)."""
    return checksum_address(text)


def claim_id_text(text: str) -> str:
    """A claim id: 0x and 64 hex digits."""
    t = text.strip()
    if not re.fullmatch(r"0x[0-9a-fA-F]{64}", t):
        raise InputError(f"{t[:70]!r} is not a claim id (0x and 64 hex digits)")
    return t


def invoice_text(text: str) -> str:
    """An invoice number as a claim carries it: 1 to 31 UTF-8 bytes travel as themselves, any
    other non-empty text as its hash (:func:`yibao.codec.invoice_word`)."""
    from yibao.codec import invoice_word

    invoice_word(text)
    return text


def pseudonym_text(text: str) -> str:
    parse_pseudonym(text)
    return text.strip()


def national_id_text(text: str) -> str:
    normalise_id(text)  # the message never repeats the ID
    return text


def text_file(text: str) -> Path:
    """A readable UTF-8 text file without NUL bytes (CSV and JSON inputs)."""
    from yibao.inputs import read_text

    read_text(text)
    return Path(text)


def secret_file(text: str | Path) -> Path:
    """A password (or key) file: a file that only its owner can read (mode 0600)."""
    path = Path(text)
    check_private(path)
    return path


AsOpt = Annotated[str | None, typer.Option(
    "--as", parser=check_signer_ref, help="signing key: a key name or its address (never a private key)")]
PasswordFileOpt = Annotated[Path | None, typer.Option(
    "--password-file", parser=secret_file, help="file whose first line is the keystore's password (mode 0600)")]

#: A person named by national ID (hashed locally with the operator key) or by pseudonym.
NationalIdOpt = Annotated[str | None, typer.Option("--id", parser=national_id_text, help="national ID")]
PseudonymOpt = Annotated[str | None, typer.Option(parser=pseudonym_text, help="0x pseudonym")]
RegionArg = Annotated[int, typer.Argument(parser=region_code, help="region code (6 digits)")]

# ---------------------------------------------------------------------- one claim, by id or by invoice

#: A command on one claim takes these three and gives them to :func:`claim_ref`: the claim's id,
#: or the institution that submitted it and its invoice number (the id is derived from those two
#: as the chain derives it, ``claimIdOf``).
ClaimIdArg = Annotated[str | None, typer.Argument(
    metavar="CLAIM_ID", parser=claim_id_text, help="0x claim id (or give --institution and --invoice)")]
ClaimInstitutionOpt = Annotated[str | None, typer.Option(
    "--institution", parser=account_ref, help="the claim's institution: key name or 0x address (with --invoice)")]
ClaimInvoiceOpt = Annotated[str | None, typer.Option(
    "--invoice", parser=invoice_text, help="the claim's invoice number (with --institution)")]


@dataclass(frozen=True)
class ClaimRef:
    """A claim as the command line named it: its id, and how it was named (for messages)."""

    claim_id: bytes
    named: str

    @property
    def hex(self) -> str:
        return "0x" + self.claim_id.hex()

    def require(self, ledger: Ledger) -> Any:
        """The stored claim (:class:`yibao.client.ClaimView`), or ``InputError("no claim …")``
        naming the claim as it was given."""
        from yibao.client.history import require_claim

        try:
            return require_claim(ledger, self.claim_id)
        except InputError as exc:
            if str(exc).startswith("no claim"):
                raise InputError(f"no claim {self.named}") from None
            raise


def claim_ref(ws: Workspace, claim_id: str | None, institution: str | None, invoice: str | None) -> ClaimRef:
    """The claim named by exactly one of CLAIM_ID and ``--institution`` with ``--invoice``."""
    from yibao.client.history import parse_claim_id
    from yibao.codec import claim_id_of

    if claim_id is not None and (institution is not None or invoice is not None):
        raise InputError("give either CLAIM_ID or --institution and --invoice, not both")
    if claim_id is not None:
        cid = parse_claim_id(claim_id)
        return ClaimRef(cid, "0x" + cid.hex())
    if institution is None or invoice is None:
        if institution is not None:
            raise InputError("--institution needs --invoice: the claim's invoice number")
        if invoice is not None:
            raise InputError("--invoice needs --institution: the account that submitted the claim")
        raise InputError("name the claim: CLAIM_ID (0x and 64 hex digits), or --institution ACCOUNT --invoice TEXT")
    address = ws.resolve_account(institution, "--institution")
    cid = claim_id_of(address, invoice)
    return ClaimRef(cid, f"0x{cid.hex()} (institution {address}, invoice {invoice[:40]!r})")


P = ParamSpec("P")
R = TypeVar("R")
E = TypeVar("E", bound=ContractError)


@dataclass(frozen=True)
class ChainOptions:
    """The options of a chain command: which node, deployment, home folder and key, and
    whether to print JSON."""

    rpc: str | None = None
    manifest: Path | None = None
    home: Path | None = None
    who: str | None = None
    as_json: bool = False
    password_file: Path | None = None
    signs: bool = True  #: False for a read-only command: no key is looked up or decrypted
    #: The ledger :meth:`open` opened (for :meth:`explain`); not an option.
    opened: list[Ledger] = field(default_factory=list, compare=False, repr=False)

    def workspace(self) -> Workspace:
        from yibao.workspace import Workspace

        return Workspace.at(self.home)

    def open(self) -> tuple[Workspace, Ledger]:
        """The home folder and the ledger of its deployment, acting as ``--as`` (refused when
        that is a well-known dev key and the chain is not a dev chain)."""
        ws = self.workspace()
        ledger = ws.ledger(self.who, signs=self.signs, rpc=self.rpc, manifest=self.manifest,
                           password_file=self.password_file)
        self.opened.append(ledger)
        return ws, ledger

    def explain(self, exc: AccessDenied) -> AccessDenied:
        """A missing role met by the default signer (no ``--as``), with a hint naming a key of
        the home that holds the role: ``…; dev1 has it: add --as dev1``. Best effort: ``exc``
        as it is when no key is known to hold it."""
        role = exc.inputs.get("neededRole")
        if not isinstance(role, bytes):
            return exc
        return self.hint(exc, lambda ledger, address: ledger.has_role(role, address), "has it", "--as")

    def hint(self, exc: E, fits: Callable[[Ledger, str], bool], what: str, flag: str) -> E:
        """``exc`` met by the default signer (no ``--as``), its message followed by the first key of
        the home that can sign and ``fits``: ``…; dev1 {what}: add {flag} dev1``; else as it is."""
        if self.who or not self.signs or not self.opened:
            return exc
        ledger = self.opened[-1]
        try:
            names = [name for name, e in self.workspace().keys().items()
                     if e.kind != "address" and e.address != ledger.sender and fits(ledger, e.address)]
        except Exception:  # noqa: BLE001 - a hint is best effort; the refusal stands as it is
            return exc
        if not names:
            return exc
        hinted = type(exc)(exc.name, exc.error_args, exc.inputs, exc.selector)
        hinted.args = (f"{exc}; {names[0]} {what}: add {flag} {names[0]}",)
        return hinted

    def emit(self, doc: object, human: Callable[[], None] | None = None) -> None:
        emit(self.as_json, doc, human)

    def tx(self, what: str, result: TxResult) -> None:
        tx(self.as_json, what, result)


#: The chain options in the order they appear on the command line, with their defaults.
_OPTIONS: dict[str, tuple[object, object]] = {
    "rpc": (RpcOpt, None),
    "manifest": (ManifestOpt, None),
    "home": (HomeOpt, None),
    "who": (AsOpt, None),
    "password_file": (PasswordFileOpt, None),
    "as_json": (JsonOpt, False),
}
#: The options only a command that signs has.
_SIGNING = ("who", "password_file")


def chain_options(
    *, signer: object | None = AsOpt,
) -> Callable[[Callable[Concatenate[ChainOptions, P], R]], Callable[..., R]]:
    """Turn ``command(opts: ChainOptions, ...)`` into a typer command with the chain options.

    ``signer`` is the type of the ``--as`` option (another spelling or help text for one
    command), or ``None`` for a command that signs nothing and has no ``--as``.
    """
    options = {name: (signer, default) if name == "who" else (kind, default)
               for name, (kind, default) in _OPTIONS.items() if name not in _SIGNING or signer is not None}

    def decorate(command: Callable[Concatenate[ChainOptions, P], R]) -> Callable[..., R]:
        sig = inspect.signature(command, eval_str=True)
        own = list(sig.parameters.values())[1:]
        added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
                 for name, (kind, default) in options.items()]
        target: Callable[..., R] = command

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> R:  # what typer parsed, passed through
            opts = ChainOptions(**{name: kwargs.pop(name) for name in options}, signs=signer is not None)
            try:
                result = target(opts, *args, **kwargs)
            except AccessDenied as exc:
                raise opts.explain(exc) from None
            for ledger in opts.opened:  # done: the home's lock let go now (its chain kept warm)
                ledger.chain.close()
            return result

        params = [*own, *added]
        wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params} | {"return": sig.return_annotation}
        return wrapper

    return decorate


# ---------------------------------------------------------------------- output


def emit(as_json: bool, doc: object, human: Callable[[], None] | None = None) -> None:
    """Print ``doc`` as JSON (with ``--json``, or when there is no human form), else ``human()``."""
    if as_json or human is None:
        from yibao.workspace import to_jsonable

        out.print_json(json.dumps(to_jsonable(doc), ensure_ascii=False))
    else:
        human()


def tx_fields(result: TxResult) -> dict[str, object]:
    """The last fields of a transaction's document: gas, hash and decoded events."""
    return {"gas_used": result.gas_used, "tx": result.tx_hash,
            "events": [{"event": e["event"], **e["args"]} for e in result.events]}


def tx(as_json: bool, what: str, result: TxResult) -> None:
    """Report a mined transaction: a ✓ line, or its document with ``--json``."""
    doc = {"ok": True, "action": what, **tx_fields(result)}
    emit(as_json, doc, lambda: out.print(f"[green]✓[/] {what} (gas {result.gas_used:,})"))


def money(fen: int) -> str:
    """Fen as printed for people, in yuan with two decimals and the unit: ``1,234.56 元``,
    ``-0.05 元`` (JSON documents carry the integer fen)."""
    return f"{yuan(fen)} 元"


#: The fields of a document that hold money (integer fen): :func:`table` prints them as
#: :func:`money` does, in yuan; the JSON document keeps the fen.
MONEY_FIELDS = frozenset({
    "amount", "annual_cap", "balance", "billed", "cash", "claimed_fund", "clearing_in", "clearing_out",
    "contributions", "debt", "deductible", "eligible", "expected_balance", "fund", "netted", "op_annual_cap",
    "op_deductible", "opening", "opening_balance", "owed", "paid", "patient", "payable", "price_cap",
    "recovered", "review_threshold", "settled", "still_owed", "unit_price",
})


def table(title: str, doc: dict[str, object]) -> None:
    """A two-column table of a document's fields (money in yuan: :data:`MONEY_FIELDS`)."""
    from yibao.workspace import to_jsonable

    t = Table(title=title, show_header=False)
    t.add_column("field", style="bold")
    t.add_column("value")
    for k, v in doc.items():
        if k in MONEY_FIELDS and isinstance(v, int) and not isinstance(v, bool):
            t.add_row(k, money(v))
        else:
            t.add_row(k, json.dumps(to_jsonable(v), ensure_ascii=False) if isinstance(v, (list, dict)) else str(v))
    out.print(t)


def person_of(ws: Workspace, national_id: str | None, pseudonym: str | None) -> bytes:
    """The pseudonym of the person given by exactly one of ``--id`` and ``--pseudonym``."""
    if bool(national_id) == bool(pseudonym):
        raise InputError("give exactly one of --id and --pseudonym")
    if pseudonym:
        return parse_pseudonym(pseudonym)
    assert national_id is not None
    return PseudonymKey.from_env_or_file(ws.pseudonym_key_path).pseudonym(national_id)


__all__ = [
    "EPOCH",
    "LAST_SECOND",
    "MONEY_FIELDS",
    "U64",
    "AsOpt",
    "ChainOptions",
    "ClaimIdArg",
    "ClaimInstitutionOpt",
    "ClaimInvoiceOpt",
    "ClaimRef",
    "HomeOpt",
    "JsonOpt",
    "ManifestOpt",
    "NationalIdOpt",
    "PasswordFileOpt",
    "PseudonymOpt",
    "RegionArg",
    "RpcOpt",
    "account_ref",
    "address_text",
    "amount",
    "batch_size",
    "bench_claims",
    "bench_history",
    "bench_samples",
    "bench_singles",
    "bench_size",
    "bench_sizes",
    "chain_options",
    "claim_batch",
    "claim_id_text",
    "claim_ref",
    "claimed_fund",
    "day_text",
    "demo_claims",
    "demo_people",
    "dump_interval",
    "emit",
    "err",
    "fen",
    "invoice_text",
    "level",
    "money",
    "national_id_text",
    "out",
    "out_folder",
    "person_of",
    "port_number",
    "positive_fen",
    "pseudonym_text",
    "random_seed",
    "reason_code",
    "region_code",
    "secret_file",
    "table",
    "text_file",
    "tx",
    "tx_fields",
    "unix_time",
    "whole_number",
]
