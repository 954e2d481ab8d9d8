"""Chain access: the connection layer, ABI decoding, artifacts and deployment."""

from yibao.chain.backend import Chain, dev_account

__all__ = ["Chain", "dev_account"]
