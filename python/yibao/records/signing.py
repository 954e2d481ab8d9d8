"""EIP-712 requests the patient and readers sign (IRecords): set an encryption key, grant and
revoke a consent, be served a record, give feedback on a claim. The domain is ("yibao", "1",
the chain id, the ledger's address); any account may relay the signed request."""

from __future__ import annotations

from typing import Any

from eth_account.messages import encode_typed_data

from eth_account.signers.local import LocalAccount

DOMAIN_NAME = "yibao"
DOMAIN_VERSION = "1"

#: each request's fields, in the order of the contract's type hash
TYPES: dict[str, list[tuple[str, str]]] = {
    "SetKey": [("account", "address"), ("publicKey", "bytes32"), ("nonce", "uint256"), ("deadline", "uint256")],
    "Grant": [("person", "bytes32"), ("grantee", "address"), ("record", "uint64"), ("purpose", "uint8"),
              ("notAfter", "uint32"), ("nonce", "uint256"), ("deadline", "uint256")],
    "Revoke": [("consent", "uint64"), ("nonce", "uint256"), ("deadline", "uint256")],
    "Access": [("record", "uint64"), ("reader", "address"), ("purpose", "uint8"), ("basis", "uint8"),
               ("basisId", "uint64"), ("claimId", "bytes32"), ("nonce", "uint256"), ("deadline", "uint256")],
    "Feedback": [("claimId", "bytes32"), ("code", "uint8"), ("nonce", "uint256"), ("deadline", "uint256")],
}


def typed_data(kind: str, message: dict[str, Any], chain_id: int, ledger: str) -> dict[str, Any]:
    """The EIP-712 document of one request."""
    return {
        "types": {
            "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                             {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
            kind: [{"name": n, "type": t} for n, t in TYPES[kind]],
        },
        "primaryType": kind,
        "domain": {"name": DOMAIN_NAME, "version": DOMAIN_VERSION, "chainId": chain_id, "verifyingContract": ledger},
        "message": message,
    }


def sign(account: LocalAccount, kind: str, message: dict[str, Any], chain_id: int, ledger: str) -> bytes:
    """``account``'s 65-byte signature of the request."""
    signed = account.sign_message(encode_typed_data(full_message=typed_data(kind, message, chain_id, ledger)))
    return bytes(signed.signature)


__all__ = ["DOMAIN_NAME", "DOMAIN_VERSION", "TYPES", "sign", "typed_data"]
