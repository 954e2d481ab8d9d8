"""Deploy yibao to a node and write the manifest (same as `yibao deploy`).

    python deploy/deploy.py --rpc http://127.0.0.1:8545 [--manifest deploy/manifest.json]

The deployer signs with the `admin` key of the home folder's keys.json (dev keys are
written on first use); on a consortium chain point keys.json at the bureau's own key.
"""

from __future__ import annotations

import sys

from yibao.cli import run

if __name__ == "__main__":
    sys.exit(run(["deploy", *sys.argv[1:]]))
