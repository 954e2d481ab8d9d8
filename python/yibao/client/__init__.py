"""The client: the ledger's API in Python, its types, and readers of a claim's history."""

from yibao.client.ledger import *  # noqa: F403  (temporary during the move)
from yibao.client.ledger import _BEFORE_LINES  # noqa: F401
