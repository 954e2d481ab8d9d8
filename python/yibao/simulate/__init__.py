"""Scenario simulation (`yibao simulate`): one scenario played on the reference model or on a chain.

- :mod:`~yibao.simulate.scenario` — the scenario file's schema and loader;
- :mod:`~yibao.simulate.engine` — the :class:`Engine` protocol;
- :mod:`~yibao.simulate.model_engine` — the reference model as an engine;
- :mod:`~yibao.simulate.chain_engine` — the contracts as an engine (imported on demand);
- :mod:`~yibao.simulate.runner` — :func:`run_scenario`, which builds the output document.
"""

from yibao.simulate.engine import Engine, GasFigures
from yibao.simulate.model_engine import ModelEngine
from yibao.simulate.runner import claim_document, run_scenario

__all__ = ["Engine", "GasFigures", "ModelEngine", "claim_document", "run_scenario"]
