"""Where two ``yibao simulate`` output documents differ, in a few readable lines.

The differential test compares the reference model's document with the contracts'. A
failure should say *where* they part — the first claim (in timeline order) and the field,
the first step — not dump two dicts of a thousand entries each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()
"""Stands for a key or list entry one side does not have."""

CLAIM_FIELDS = ("status", "reason", "flags", "billed", "eligible", "deductible", "fund", "patient")


def leaf_differences(model: Any, chain: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Yield ``(path, model value, chain value)`` for every differing leaf, in document order.

    Dicts are walked in the model's key order (then keys only the chain has), lists by
    index. Leaves differ when their values or their types differ (``1`` is not ``True``,
    as in JSON).
    """
    if isinstance(model, dict) and isinstance(chain, dict):
        for key in model:
            sub = f"{path}.{key}" if path else str(key)
            if key in chain:
                yield from leaf_differences(model[key], chain[key], sub)
            else:
                yield sub, model[key], MISSING
        for key in chain:
            if key not in model:
                yield (f"{path}.{key}" if path else str(key)), MISSING, chain[key]
    elif isinstance(model, list) and isinstance(chain, list):
        for i in range(max(len(model), len(chain))):
            m = model[i] if i < len(model) else MISSING
            c = chain[i] if i < len(chain) else MISSING
            if m is MISSING or c is MISSING:
                yield f"{path}[{i}]", m, c
            else:
                yield from leaf_differences(m, c, f"{path}[{i}]")
    elif type(model) is not type(chain) or model != chain:
        yield path, model, chain


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _claim_summary(doc: Any) -> str:
    if not isinstance(doc, dict):
        return _short(doc)
    return " ".join(f"{k}={doc.get(k, MISSING)!r}" for k in CLAIM_FIELDS)


def _step_label(step: Any) -> str:
    """``claim C61`` / ``review C17`` / ``settle H2`` for a timeline entry of the world."""
    if not isinstance(step, dict):
        return ""
    for kind, body in step.items():
        if kind != "at" and isinstance(body, dict):
            name = body.get("id", body.get("claim", body.get("institution", body.get("person"))))
            return f" ({kind} {name})" if name is not None else f" ({kind})"
    return ""


def describe_differences(
    model: dict[str, Any], chain: dict[str, Any], timeline: list[Any] | None = None
) -> list[str]:
    """A few lines saying where ``chain`` first differs from ``model``; ``[]`` when equal.

    One line per section at most: the first differing claim (in the model's claim order,
    which is timeline order) with its first differing field and both sides' amounts, the
    first differing step, the first difference in funds, institutions and alerts, key
    order, and the total number of differing leaves. ``timeline`` (the world's) names
    what the first differing step was about.
    """
    lines: list[str] = []
    every = list(leaf_differences(model, chain))

    m_claims: dict[str, Any] = model.get("claims", {})
    c_claims: dict[str, Any] = chain.get("claims", {})
    for claim_id in [*m_claims, *(k for k in c_claims if k not in m_claims)]:
        m, c = m_claims.get(claim_id, MISSING), c_claims.get(claim_id, MISSING)
        if m is MISSING or c is MISSING:
            lines.append(
                f"first differing claim {claim_id}: model {_short(m)}, chain {_short(c)}"
            )
            break
        diffs = list(leaf_differences(m, c))
        if diffs:
            where, mv, cv = diffs[0]
            lines.append(
                f"first differing claim {claim_id}.{where}: model {_short(mv)}, chain {_short(cv)}"
                f" ({len(diffs)} field(s) differ)"
            )
            lines.append(f"    model: {_claim_summary(m)}")
            lines.append(f"    chain: {_claim_summary(c)}")
            break
    if not any(line.startswith("first differing claim") for line in lines):
        if list(m_claims) != list(c_claims) and set(m_claims) == set(c_claims):
            lines.append("claims: same claims in a different order")

    m_steps: list[Any] = model.get("steps", [])
    c_steps: list[Any] = chain.get("steps", [])
    for i in range(max(len(m_steps), len(c_steps))):
        m = m_steps[i] if i < len(m_steps) else MISSING
        c = c_steps[i] if i < len(c_steps) else MISSING
        if m is MISSING or c is MISSING or list(leaf_differences(m, c)):
            label = _step_label(timeline[i]) if timeline is not None and i < len(timeline) else ""
            lines.append(
                f"first differing step steps[{i}]{label}: model {_short(m)}, chain {_short(c)}"
            )
            break

    for section in ("funds", "institutions", "alerts"):
        diffs = list(leaf_differences(model.get(section, MISSING), chain.get(section, MISSING), section))
        if diffs:
            where, mv, cv = diffs[0]
            lines.append(f"{where}: model {_short(mv)}, chain {_short(cv)} ({len(diffs)} in {section})")
        elif isinstance(model.get(section), dict) and list(model[section]) != list(chain[section]):
            lines.append(f"{section}: same entries in a different order")

    known = {"claims", "steps", "funds", "institutions", "alerts"}
    for key in [*model, *(k for k in chain if k not in model)]:
        if key not in known and model.get(key, MISSING) != chain.get(key, MISSING):
            lines.append(f"{key}: model {_short(model.get(key, MISSING))}, chain {_short(chain.get(key, MISSING))}")
    if list(model) != list(chain) and set(model) == set(chain):
        lines.append(f"top-level key order: model {list(model)}, chain {list(chain)}")
    if lines:
        lines.append(f"{len(every)} differing value(s) in all")
    return lines
