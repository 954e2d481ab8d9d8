"""A bureau's screening rules file (JSON): which rules run and their parameters.

The file is one JSON object with screening.md's parameter keys (``readmit_days``,
``same_day_institutions``, ``over_supply_factor``, ``surge_min_fund``, ``surge_yellow_bps``,
``surge_red_bps``) and optionally ``rules`` (the rule codes to run; default: all), the same
object as a scenario's ``screening``. An unknown rule or key, a value that is not a whole
number or a negative threshold is one :class:`~yibao.errors.InputError` line naming the file
and the key.
"""

from __future__ import annotations

from pathlib import Path

from yibao import inputs
from yibao.model.screening import ScreeningParams


def read_screening(path: Path | str) -> ScreeningParams:
    """The screening parameters of the rules file at ``path``."""
    where = str(path)
    return ScreeningParams.from_mapping(inputs.loads(inputs.read_text(path), where), where)


__all__ = ["read_screening"]
