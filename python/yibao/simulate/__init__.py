"""Scenario simulation: one scenario played on the reference model or on a chain."""

from yibao.simulate.engine import *  # noqa: F403
