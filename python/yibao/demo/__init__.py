"""`yibao demo`: a seeded year in two regions, played through the contracts, and its report."""

from yibao.demo.player import *  # noqa: F403
