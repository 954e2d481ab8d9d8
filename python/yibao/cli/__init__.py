"""The `yibao` command line: a thin layer over the library.

``main`` (the console script) and ``run(argv) -> int`` are in :mod:`yibao.cli.main`; the
commands are in one module per group (``registry``, ``rules``, ``claims``, ``settlement``,
``ops``), and the options they share in :mod:`yibao.cli.options`.
"""

from yibao.cli.main import main, run

__all__ = ["main", "run"]
