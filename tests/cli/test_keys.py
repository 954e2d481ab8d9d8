"""Keys (issue 10 §3): dev keys only on dev chains, keystores with passwords from a file, the
environment or a prompt, ``--as`` never a private key, key files 0600 and refused when others
can read them."""

from __future__ import annotations

import io
import json
import os
import stat
import sys
from pathlib import Path

import pytest
from cli_runner import Cli, nid
from eth_account import Account
from yibao.chain import Chain, dev_account
from yibao.keys import LIGHT_SCRYPT_N, KeyRing, write_secret

ID1 = nid("11010119900307427")
PASSWORD = "correct horse battery staple"
DEV1 = dev_account(1)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def one_line_refusal(cli: Cli, *args: str) -> str:
    """A refused command: exit 2 and one ``error:`` line on stderr, which is returned."""
    code, _out, err = cli(*args, ok=False)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


@pytest.fixture
def home(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """An embedded deployment with region 500000 and no password in the environment."""
    for var in [v for v in os.environ if v.startswith("YIBAO_KEY_PASSWORD")] + ["YIBAO_AS"]:
        monkeypatch.delenv(var, raising=False)
    c = Cli(tmp_path / "home", capsys)
    c("deploy")
    c("region", "add", "500000", "Chongqing", "--fund", "100000000")
    return c


def password_file(tmp_path: Path, text: str = PASSWORD, file_mode: int = 0o600) -> Path:
    f = tmp_path / "password.txt"
    f.write_text(text + "\n")
    f.chmod(file_mode)
    return f


# ---------------------------------------------------------------------- what deploy writes


def test_deploy_writes_no_private_key_and_private_modes(home: Cli) -> None:
    text = (home.home / "keys.json").read_text()
    for i in range(10):
        assert dev_account(i).key.hex().removeprefix("0x") not in text.lower()
    doc = json.loads(text)
    assert doc["format"] == "yibao-keys/1"
    assert doc["keys"]["admin"] == {"dev": 0, "address": dev_account(0).address}
    assert doc["keys"]["dev1"] == {"dev": 1, "address": DEV1.address}
    assert mode(home.home) == 0o700
    assert mode(home.home / "keys.json") == 0o600
    assert mode(home.home / "pseudonym.key") == 0o600


def test_key_files_are_created_0600_in_one_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even with umask 0, a key file never exists with a wider mode: the temporary file is
    opened 0600 with O_EXCL, and only then renamed or linked into place."""
    import yibao.keys as keys

    seen: list[tuple[int, int]] = []
    real_open, real_replace, real_link = os.open, os.replace, os.link

    def spy_open(path: str | Path, flags: int, file_mode: int = 0o777, **kw: object) -> int:
        seen.append((flags, file_mode))
        return real_open(path, flags, file_mode)

    def checked(real):  # type: ignore[no-untyped-def]
        def move(src: str | Path, dst: str | Path) -> None:
            assert mode(Path(src)) == 0o600, "a key file must be 0600 before it gets its name"
            real(src, dst)
        return move

    monkeypatch.setattr(keys.os, "open", spy_open)
    monkeypatch.setattr(keys.os, "replace", checked(real_replace))
    monkeypatch.setattr(keys.os, "link", checked(real_link))
    old = os.umask(0)
    try:
        write_secret(tmp_path / "h" / "a.key", "secret")
        write_secret(tmp_path / "h" / "b.key", "secret", replace=False)
    finally:
        os.umask(old)
    assert all(f & os.O_EXCL and f & os.O_CREAT and m == 0o600 for f, m in seen) and len(seen) == 2
    assert mode(tmp_path / "h" / "a.key") == mode(tmp_path / "h" / "b.key") == 0o600
    assert mode(tmp_path / "h") == 0o700
    assert sorted(p.name for p in (tmp_path / "h").iterdir()) == ["a.key", "b.key"]  # no temporary left


@pytest.mark.parametrize("name", ["keys.json", "pseudonym.key"])
def test_key_file_readable_by_others_is_refused(home: Cli, name: str) -> None:
    (home.home / name).chmod(0o644)
    err = one_line_refusal(home, "enrol", "--id", ID1, "--region", "500000", "--from", "2026-01-01",
                           "--to", "2026-12-31")
    assert f"{home.home / name}" in err and "chmod 600" in err


# ---------------------------------------------------------------------- --as


HEX1 = DEV1.key.hex().removeprefix("0x")


@pytest.mark.parametrize("key", ["0x" + HEX1, HEX1, "0x" + HEX1.upper()])
def test_as_refuses_a_private_key(home: Cli, key: str) -> None:
    err = one_line_refusal(home, "region", "add", "440100", "Guangzhou", "--as", key)
    assert "private key" in err and "shell history" in err and key.removeprefix("0x") not in err


def test_as_takes_the_address_of_a_known_key(home: Cli) -> None:
    home("role", "grant", "regulator", "dev1", "--region", "500000")
    doc = home.json("institution", "add", "dev7", "--region", "500000", "--level", "3", "--as", DEV1.address)
    assert doc["ok"]
    stranger = Account.create().address
    err = one_line_refusal(home, "institution", "set-grade", "dev7", "B", "--as", stranger)
    assert "no key" in err and stranger in err


# ---------------------------------------------------------------------- keystores


def test_key_new_signs_with_a_password_from_the_environment(home: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_KEY_PASSWORD_BUREAU_1", PASSWORD)
    made = home.json("key", "new", "bureau-1", "--light-kdf")
    store = home.home / made["keystore"]
    assert made["kind"] == "keystore" and mode(store) == 0o600 and mode(store.parent) == 0o700
    doc = json.loads(store.read_text())
    assert doc["crypto"]["kdf"] == "scrypt" and doc["crypto"]["kdfparams"]["n"] == LIGHT_SCRYPT_N
    assert Account.decrypt(doc, PASSWORD)  # a standard v3 keystore
    home("role", "grant", "regulator", "bureau-1", "--region", "500000")
    assert home.json("institution", "add", "dev7", "--region", "500000", "--level", "3", "--as", "bureau-1")["ok"]
    listed = home.json("key", "list")["keys"]
    assert {"name": "bureau-1", "kind": "keystore", "keystore": made["keystore"], "address": made["address"]} in listed
    monkeypatch.setenv("YIBAO_KEY_PASSWORD_BUREAU_1", "wrong")
    assert "wrong password" in one_line_refusal(home, "institution", "set-grade", "dev7", "B", "--as", "bureau-1")


def test_keystore_password_sources(home: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pw = password_file(tmp_path)
    home("key", "new", "ops", "--light-kdf", "--password-file", str(pw))
    home("role", "grant", "regulator", "ops", "--region", "500000")
    args = ("institution", "add", "dev7", "--region", "500000", "--level", "3", "--as", "ops")
    err = one_line_refusal(home, *args)  # no password anywhere, stdin not a terminal
    assert "--password-file" in err and "YIBAO_KEY_PASSWORD_OPS" in err
    pw.chmod(0o640)
    assert "chmod 600" in one_line_refusal(home, *args, "--password-file", str(pw))
    pw.chmod(0o600)
    home(*args, "--password-file", str(pw))
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)
    home("institution", "set-grade", "dev7", "C", "--as", "ops")


def test_key_new_prompts_twice_on_a_terminal(home: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["one", "two"])
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert "differ" in one_line_refusal(home, "key", "new", "ops", "--light-kdf")
    assert "ops" not in KeyRing(home.home).entries()


def test_key_import_keystore_and_private_key_from_stdin(home: Cli, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_KEY_PASSWORD", PASSWORD)
    acct = Account.create()
    outside = tmp_path / "geth-keystore.json"
    outside.write_text(json.dumps(Account.encrypt(acct.key, PASSWORD, kdf="scrypt", iterations=LIGHT_SCRYPT_N)))
    doc = home.json("key", "import", "hospital", "--keystore", str(outside))
    assert doc["address"] == acct.address
    other = Account.create()
    monkeypatch.setattr(sys, "stdin", io.StringIO(other.key.hex() + "\n"))
    doc = home.json("key", "import", "reviewer", "--private-key-file", "-", "--light-kdf")
    assert doc["address"] == other.address
    for f in [home.home / "keys.json", *(home.home / "keystores").iterdir()]:
        assert other.key.hex().removeprefix("0x") not in f.read_text() and mode(f) == 0o600
    ring = KeyRing(home.home)
    assert ring.signer("reviewer").address == other.address
    doc = home.json("key", "import", "watch", "--address", acct.address.lower())
    assert doc == {"ok": True, "name": "watch", "kind": "address", "address": acct.address}
    assert "cannot sign" in one_line_refusal(home, "region", "add", "440100", "GZ", "--as", "watch")


def test_key_import_refuses_bad_sources(home: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_KEY_PASSWORD", PASSWORD)
    key_file = tmp_path / "k.hex"
    key_file.write_text(Account.create().key.hex())
    key_file.chmod(0o644)
    assert "chmod 600" in one_line_refusal(home, "key", "import", "x", "--private-key-file", str(key_file))
    key_file.write_text(DEV1.key.hex())
    key_file.chmod(0o600)
    assert "dev key" in one_line_refusal(home, "key", "import", "x", "--private-key-file", str(key_file))
    assert "exists already" in one_line_refusal(home, "key", "new", "dev1", "--light-kdf")
    assert "exactly one" in one_line_refusal(home, "key", "import", "x")
    before = (home.home / "keys.json").read_bytes()
    assert one_line_refusal(home, "key", "new", "0x" + "ab" * 32)
    assert (home.home / "keys.json").read_bytes() == before


def test_old_keys_json_with_a_plaintext_key_is_refused(home: Cli) -> None:
    kj = home.home / "keys.json"
    kj.write_text(json.dumps({"admin": dev_account(0).key.hex(), "mine": Account.create().key.hex()}))
    err = one_line_refusal(home, "region", "add", "440100", "GZ")
    assert "plaintext private key" in err and "'mine'" in err
    kj.write_text(json.dumps({"admin": dev_account(0).key.hex()}))  # the old dev-only file still works
    home("region", "add", "440100", "GZ")


# ---------------------------------------------------------------------- a chain that is not a dev chain


@pytest.fixture
def prod_node() -> object:
    from yibao.chain.node import AnvilNode

    node = AnvilNode(extra_args=("--chain-id", "4242"))
    try:
        yield node
    finally:
        node.stop()


@pytest.mark.anvil
def test_dev_keys_are_refused_on_a_production_chain(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch, prod_node: object) -> None:
    url = prod_node.url  # type: ignore[attr-defined]
    monkeypatch.setenv("YIBAO_KEY_PASSWORD", PASSWORD)
    cli = Cli(tmp_path / "home", capsys)
    err = one_line_refusal(cli, "deploy", "--rpc", url)  # no keys at all
    assert "yibao key" in err
    write_secret(tmp_path / "home" / "keys.json", json.dumps(
        {"format": "yibao-keys/1", "keys": {"admin": {"dev": 0, "address": dev_account(0).address}}}))
    err = one_line_refusal(cli, "deploy", "--rpc", url)  # the dev admin of an embedded trial
    assert "well-known dev key 0" in err and "4242" in err and "yibao key import" in err and "--as NAME" in err
    cli("key", "new", "bureau", "--light-kdf")
    err = one_line_refusal(cli, "deploy", "--rpc", url, "--as", "bureau", "--admin", "dev1")
    assert "dev1: no such key" in err  # no dev names on this chain
    err = one_line_refusal(cli, "deploy", "--rpc", url, "--as", "bureau", "--admin", DEV1.address)
    assert f"--admin {DEV1.address}" in err and "well-known dev key 1" in err
    assert not (tmp_path / "home" / "manifest.json").exists()
    assert sorted(KeyRing(tmp_path / "home").entries()) == ["admin", "bureau"]  # no dev names added
    bureau = KeyRing(tmp_path / "home").entry("bureau").address
    Chain.connect(url).fund(bureau)
    doc = cli.json("deploy", "--rpc", url, "--as", "bureau")
    assert doc["chain_id"] == 4242 and doc["admin"] == bureau
    cli("region", "add", "500000", "Chongqing", "--as", "bureau")
    assert cli.json("region", "show", "500000")["code"] == 500000  # reading needs no key
    err = one_line_refusal(cli, "region", "add", "440100", "Guangzhou", "--as", "admin")
    assert "well-known dev key 0" in err
    code, _, _ = cli("region", "show", "440100", ok=False)
    assert code == 2  # the refused command sent nothing


@pytest.mark.anvil
def test_simulate_demo_and_bench_refuse_a_production_chain(capsys: pytest.CaptureFixture[str],
                                                           prod_node: object) -> None:
    """They sign with the public dev keys: only the embedded chain or a dev node."""
    from yibao.cli.main import run

    url = prod_node.url  # type: ignore[attr-defined]
    scenario = Path(__file__).resolve().parents[1] / "scenario" / "data" / "example.json"
    block = Chain.connect(url).block_number()
    for args in (["simulate", str(scenario), "--rpc", url], ["demo", "--rpc", url, "--people", "20"],
                 ["bench", "--rpc", url]):
        assert run(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "public dev keys" in err and "chain id 4242" in err, err
    assert Chain.connect(url).block_number() == block  # nothing was sent
