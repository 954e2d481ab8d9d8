"""Test-only worlds: seeded random scenarios and small fixed worlds for the chain and the model."""

from worlds.generator import MALFORMED_KINDS, random_world, random_world_file

__all__ = ["MALFORMED_KINDS", "random_world", "random_world_file"]
