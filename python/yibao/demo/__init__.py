"""`yibao demo`: a seeded year in two regions, played through the contracts, and its report.

The modules by role: :mod:`~yibao.demo.world_rules` (regions, calendar, policies),
:mod:`~yibao.demo.catalogue`, :mod:`~yibao.demo.world` (institutions, people, claims),
:mod:`~yibao.demo.generator` (the seeded draws), :mod:`~yibao.demo.player` (the year on chain),
:mod:`~yibao.demo.readback` (the report document from the chain), :mod:`~yibao.demo.document`
(report.json and CSV), :mod:`~yibao.demo.html` and :mod:`~yibao.demo.charts` (report.html),
:mod:`~yibao.demo.supervision` (the mid-year screening and the supervision cases played in the
year), :mod:`~yibao.demo.screening_report` and :mod:`~yibao.demo.cases_report` (the screening and
cases sections), :mod:`~yibao.demo.run` (the whole demo).

``open_chain`` is looked up here when the demo runs, so replacing it on this package (as the
tests do) plays the demo on another chain.
"""

from yibao.demo.readback import STATUSES
from yibao.demo.run import DemoRun, open_chain, play_demo, run_demo

__all__ = ["STATUSES", "DemoRun", "open_chain", "play_demo", "run_demo"]
