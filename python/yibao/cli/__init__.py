"""The `yibao` command line: a thin layer over the library."""

from yibao.cli.app import main, run

__all__ = ["main", "run"]
