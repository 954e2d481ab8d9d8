"""The lean path to a JSON-RPC node: one persistent HTTP/1.1 connection, orjson, no formatters.

web3's provider stack spends most of a node client's time on formatting (a 200-claim
receipt went through 150,000 recursive formatter calls) and opens its session per thread;
the hot path of :class:`~yibao.chain.Chain` on a node (send, receipt, call, the clock) goes
through :class:`RpcTransport` instead, and turns receipts into :func:`lean_receipt` dicts that
carry exactly the keys the client reads.
"""

from __future__ import annotations

import http.client
import itertools
import socket
import ssl
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import orjson
from eth_utils.address import to_checksum_address

from yibao.errors import ChainError


class RpcError(ChainError):
    """The node answered a request with a JSON-RPC error (not a failure in transit)."""

    def __init__(self, method: str, error: Any) -> None:
        self.method = method
        self.code = int(error.get("code", 0)) if isinstance(error, dict) else 0
        self.message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
        data = error.get("data") if isinstance(error, dict) else None
        self.data: bytes | None = None
        if isinstance(data, str) and data.startswith("0x"):
            try:
                self.data = bytes.fromhex(data[2:])
            except ValueError:
                self.data = None
        super().__init__(f"{method}: {self.message}")

    @property
    def unknown_method(self) -> bool:
        """Whether the node does not have the method (JSON-RPC -32601, or said in words)."""
        return self.code == -32601 or "not supported" in self.message.lower() or "method not found" in (
            self.message.lower())


class RpcTransport:
    """JSON-RPC over one kept-alive HTTP connection to ``url``.

    A failure in transit (refused, reset, a timeout, a broken answer) closes the connection and
    raises an :class:`OSError`, so the caller's retry policy sees it; the next request opens
    a new connection. An error answer raises :class:`RpcError`."""

    def __init__(self, url: str, timeout: float = 120.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ChainError(f"not an http(s) JSON-RPC URL: {url}")
        self.url = url
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        self._path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._timeout = timeout
        self._hostport = parts.netloc.rsplit("@", 1)[-1]
        self._sock: socket.socket | None = None
        self._ids = itertools.count(1)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _connect(self) -> socket.socket:
        sock = socket.create_connection((self._host, self._port), timeout=self._timeout)
        # small requests one after another: Nagle's algorithm would hold each back for an ACK
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._https:
            sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self._host)
        return sock

    def _post(self, body: bytes) -> Any:
        """POST ``body`` and parse the answer: the request goes out in one write (http.client
        writes head and body apart), the answer is read by http.client's parser."""
        try:
            if self._sock is None:
                self._sock = self._connect()
            sock = self._sock
            sock.sendall(b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (self._path.encode(), self._hostport.encode(),
                                                                len(body), body))
            resp = http.client.HTTPResponse(sock, method="POST")
            resp.begin()
            payload = resp.read()
            if resp.will_close:
                self.close()
            if resp.status != 200:
                raise ConnectionError(f"HTTP {resp.status} from {self.url}")
            return orjson.loads(payload)
        except (OSError, http.client.HTTPException, orjson.JSONDecodeError) as exc:
            self.close()
            if isinstance(exc, OSError):
                raise
            raise ConnectionError(f"{type(exc).__name__} from {self.url}") from exc

    def call(self, method: str, params: Sequence[Any]) -> Any:
        """``method(params)``'s result; an error answer raises :class:`RpcError`."""
        answer = self._post(orjson.dumps({"jsonrpc": "2.0", "id": next(self._ids), "method": method,
                                          "params": list(params)}))
        if not isinstance(answer, dict):
            raise ConnectionError(f"{method}: not a JSON-RPC answer from {self.url}")
        if "error" in answer:
            raise RpcError(method, answer["error"])
        return answer.get("result")

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[dict[str, Any]]:
        """The answers (``result`` or ``error`` each) of ``calls`` sent as one JSON-RPC array,
        in the order of ``calls``."""
        if not calls:
            return []
        first = next(self._ids)
        for _ in range(len(calls) - 1):
            next(self._ids)
        body = orjson.dumps([{"jsonrpc": "2.0", "id": first + i, "method": m, "params": list(p)}
                             for i, (m, p) in enumerate(calls)])
        answers = self._post(body)
        if not isinstance(answers, list) or len(answers) != len(calls):
            raise ConnectionError(f"{len(calls)} requests answered with {str(answers)[:80]} by {self.url}")
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        try:
            return [by_id[first + i] for i in range(len(calls))]
        except KeyError:
            raise ConnectionError(f"a JSON-RPC array answered out of step by {self.url}") from None


@lru_cache(maxsize=4096)
def checksum(address: str) -> str:
    """The EIP-55 form of a hex address (cached: a ledger's logs name few addresses)."""
    return str(to_checksum_address(address))


def _int(value: Any) -> int:
    return int(value, 16) if isinstance(value, str) else int(value or 0)


def _bytes(value: str | None) -> bytes:
    return bytes.fromhex(value[2:]) if value else b""


def lean_log(raw: dict[str, Any]) -> dict[str, Any]:
    """A log of a JSON receipt with the keys and types web3 gives them."""
    return {
        "address": checksum(raw["address"]),
        "topics": [_bytes(t) for t in raw.get("topics", ())],
        "data": _bytes(raw.get("data")),
        "blockNumber": _int(raw.get("blockNumber")),
        "transactionHash": _bytes(raw.get("transactionHash")),
        "transactionIndex": _int(raw.get("transactionIndex")),
        "logIndex": _int(raw.get("logIndex")),
        "blockHash": _bytes(raw.get("blockHash")),
    }


def lean_receipt(raw: dict[str, Any]) -> dict[str, Any]:
    """A JSON receipt as the dict the client reads (status, gasUsed, blockNumber, logs, …)."""
    contract = raw.get("contractAddress")
    return {
        "status": _int(raw.get("status")),
        "gasUsed": _int(raw.get("gasUsed")),
        "blockNumber": _int(raw.get("blockNumber")),
        "blockHash": _bytes(raw.get("blockHash")),
        "transactionHash": _bytes(raw.get("transactionHash")),
        "transactionIndex": _int(raw.get("transactionIndex")),
        "contractAddress": checksum(contract) if contract else None,
        "from": checksum(raw["from"]) if raw.get("from") else None,
        "logs": [lean_log(log) for log in raw.get("logs", ())],
    }


__all__ = ["RpcError", "RpcTransport", "checksum", "lean_log", "lean_receipt"]
