"""The chain's clock: what day it is on the chain, and moving a trial chain's clock on.

A home deployed with ``yibao deploy --start DATE`` runs its embedded chain on a pinned clock
(12:00 CST of DATE) instead of the wall clock; ``yibao clock advance`` moves it forward, so a
trial, a training or the README's story plays its days (an appeal window, a month's
settlement) the same on any day. On a dev node (anvil, chain ids 31337/1337) ``advance``
mines an empty block at the new time. A production chain's clock is never moved.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from yibao.cli.options import ChainOptions, chain_options, day_text, out, whole_number
from yibao.errors import InputError
from yibao.units import cst_time, day_of_timestamp, noon_cst, parse_date

clock_app = typer.Typer(no_args_is_help=True, help="The chain's clock: today on chain; a trial clock moved on")


def _days(text: str | int) -> int:
    """Days to move the clock, 1..3660."""
    return whole_number(text, 1, 3_660, "days")


def _doc(ts: int, pinned: bool | None) -> dict[str, object]:
    return {"ok": True, "today": day_of_timestamp(ts).isoformat(), "time": cst_time(ts), "timestamp": ts,
            "pinned": pinned}


@clock_app.command("show")
@chain_options(signer=None)
def clock_show(opts: ChainOptions) -> None:
    """The chain's today and time (CST), and whether the home's clock is pinned."""
    from yibao.chain.journal import Journal

    ws = opts.workspace()
    chain, _ = ws.open_chain(opts.rpc, opts.manifest)
    pinned = None if chain.kind == "rpc" else Journal(ws.journal_path).clock is not None
    doc = _doc(chain.timestamp(), pinned)
    how = {True: "pinned (trial home)", False: "wall clock", None: "the node's"}[pinned]
    opts.emit(doc, lambda: out.print(f"chain today {doc['today']} ({doc['time']} CST), clock: {how}"))


@clock_app.command("advance")
@chain_options(signer=None)
def clock_advance(
    opts: ChainOptions,
    days: Annotated[int | None, typer.Option(parser=_days, help="days to move on (1..3660)")] = None,
    to: Annotated[str | None, typer.Option("--to", parser=day_text, help="move on to 12:00 CST of this day")] = None,
) -> None:
    """Move the clock of a trial home (deployed with --start) or of a dev node forward."""
    from yibao.chain.journal import Journal
    from yibao.keys import is_dev_chain

    if (days is None) == (to is None):
        raise InputError("give either --days N or --to DATE")
    ws = opts.workspace()
    chain, _ = ws.open_chain(opts.rpc, opts.manifest)
    journal = Journal(ws.journal_path)
    now = chain.timestamp()
    if days is not None:
        target = noon_cst(day_of_timestamp(now) + dt.timedelta(days=days))
    else:
        assert to is not None
        target = noon_cst(parse_date(to, "--to"))
    if target <= now:
        raise InputError(f"--to {to}: the chain is already at {cst_time(now)} CST; its clock only moves forward")
    if chain.kind == "rpc":
        if not is_dev_chain(chain):
            raise InputError(f"chain id {chain.chain_id} is not a dev chain: its clock is not ours to move")
        chain.set_next_timestamp(target)
    else:
        if journal.clock is None:
            raise InputError("this home runs on the wall clock: deploy it with `yibao deploy --start DATE` "
                             "for a clock you can move")
        journal.set_clock(chain, target)
    doc = _doc(target, chain.kind != "rpc" or None)
    opts.emit(doc, lambda: out.print(f"[green]✓[/] chain today is {doc['today']} ({doc['time']} CST)"))


__all__ = ["clock_advance", "clock_app", "clock_show"]
