"""``--engine``: what runs the fresh chain of ``demo``, ``simulate`` and ``bench``."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer

from yibao.cli.options import err
from yibao.errors import InputError

if TYPE_CHECKING:
    from yibao.chain import Chain


def engine_name(text: str) -> str:
    """``--engine``: ``anvil`` (a node started here: revm, exact gas) or ``pyevm`` (embedded)."""
    from yibao.chain.backend import ENGINES

    t = str(text).strip().lower()
    if t not in ENGINES:
        raise InputError(f"--engine {str(text)[:20]!r}: choose {' or '.join(ENGINES)}")
    return t


EngineOpt = Annotated[str | None, typer.Option(
    "--engine", parser=engine_name,
    help="what runs the fresh chain: anvil (the default: started here from node_modules; revm, the same "
         "results and gas, tens of times faster) or pyevm (the embedded reference EVM)")]


def fresh_engine(engine: str | None, *, rpc: str | None, model: bool = False) -> str:
    """The engine of a fresh chain: ``--engine``, else anvil; refused beside --rpc or --model."""
    if engine is not None and rpc:
        raise InputError("--engine chooses what runs a fresh chain; --rpc names a node: give one of them")
    if engine is not None and model:
        raise InputError("--engine chooses the chain; --model plays without one: give one of them")
    if engine is None and not rpc and not model:
        from yibao.chain.node import anvil_available

        if not anvil_available():
            err.print("note: anvil not found (run `npm ci`, or set ANVIL): playing on the embedded py-evm chain, "
                      "which is slower (--engine pyevm chooses it without this note)", soft_wrap=True)
            return "pyevm"
    return engine or "anvil"


def bench_runs(engine: str | None, rpc: str | None) -> list[tuple[str, Callable[[], Chain]]]:
    """The chains ``yibao bench`` measures, by label: the node at ``rpc``; else the engine
    asked for, or anvil and py-evm side by side (the default)."""
    from yibao.bench import GENESIS
    from yibao.chain import Chain

    if rpc:
        fresh_engine(engine, rpc=rpc)
        return [("node", partial(Chain.connect, rpc))]
    fresh: dict[str, Callable[[], Chain]] = {"anvil": partial(Chain.local, genesis_timestamp=GENESIS),
                                             "pyevm": partial(Chain.embedded, genesis_timestamp=GENESIS)}
    if engine is None and fresh_engine(None, rpc=None) == "pyevm":  # anvil not found: said on stderr
        return [("pyevm", fresh["pyevm"])]
    return [(e, fresh[e]) for e in ([engine] if engine else ["anvil", "pyevm"])]


__all__ = ["EngineOpt", "bench_runs", "engine_name", "fresh_engine"]
