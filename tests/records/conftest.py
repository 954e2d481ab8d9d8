"""The FHIR views of the patient's side are checked against the same world as the chain's own
records story: tests/chain/afterworld.py. pytest puts a test folder without ``__init__.py`` on
``sys.path`` (the rootdir ``prepend`` import mode, as tests/chain's tests import afterworld by
name); this folder's tests need tests/chain there too, whether or not tests/chain runs first.
The same path, so ``afterworld`` is one module for both folders."""

from __future__ import annotations

import sys
from pathlib import Path

CHAIN_TESTS = str(Path(__file__).resolve().parent.parent / "chain")
if CHAIN_TESTS not in sys.path:
    sys.path.append(CHAIN_TESTS)
