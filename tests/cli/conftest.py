"""The CLI tests' shared world: a home folder with a deployment and two regions, on each backend."""

from __future__ import annotations

import pytest
from cli_runner import Cli


@pytest.fixture(params=["embedded", pytest.param("anvil", marks=pytest.mark.anvil)])
def deployed_cli(request: pytest.FixtureRequest, tmp_path, capsys) -> Cli:
    """The CLI on a fresh home folder: deployed (embedded, or on the session's anvil node),
    with regions 500000 Chongqing (fund 1,000,000.00) and 440100 Guangzhou, and no roles."""
    rpc = None
    if request.param == "anvil":
        rpc = request.getfixturevalue("anvil_node").url
    c = Cli(tmp_path / "home", capsys, rpc)
    c("deploy")
    c("region", "add", "500000", "Chongqing", "--fund", "100000000")
    c("region", "add", "440100", "Guangzhou")
    return c
