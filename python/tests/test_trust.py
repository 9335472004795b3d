"""Trusted plugins from Python: ``Runtime(trust_pins=..., trust_keys=...)`` loads only pinned
components and components signed by a trusted key; anything else raises ``Untrusted``.

Run by `tests/watcher` (cargo test, `binding.rs`), which sets:
TRUST_DIR  trusted.pub and other.pub (public keys), and migrate-signed.wasm (the migrate
           component signed by the key of trusted.pub)
"""

import hashlib
import os

import pytest

import wasm_action


def trust_file(name):
    return os.path.join(os.environ["TRUST_DIR"], name)


def signed():
    with open(trust_file("migrate-signed.wasm"), "rb") as f:
        return f.read()


def trusting(**trust):
    return wasm_action.Runtime(use_cache=False, **trust)


def test_an_unsigned_component_is_refused_as_untrusted():
    runtime = trusting(trust_keys=[trust_file("trusted.pub")])
    bytes_ = unsigned_bytes()
    with pytest.raises(wasm_action.Untrusted, match="neither pinned nor signed") as raised:
        runtime.load(bytes_, name="migrate")
    assert isinstance(raised.value, wasm_action.LoadError)
    assert raised.value.kind == "untrusted" and raised.value.plugin == "migrate"


def test_a_component_signed_by_a_trusted_key_loads_and_runs():
    runtime = trusting(trust_keys=[trust_file("trusted.pub")])
    plugin = runtime.load(trust_file("migrate-signed.wasm"))
    assert plugin.trust.startswith("signed by trusted key "), plugin.trust
    assert "resource_id" in plugin.schema()["properties"]


def test_a_signed_component_with_one_flipped_byte_is_refused():
    tampered = bytearray(signed())
    tampered[len(tampered) // 2] ^= 0x01
    runtime = trusting(trust_keys=[trust_file("trusted.pub")])
    with pytest.raises(wasm_action.Untrusted, match="changed after it was signed"):
        runtime.load(bytes(tampered), name="migrate")


def test_a_component_signed_by_another_key_is_refused():
    runtime = trusting(trust_keys=trust_file("other.pub"))
    with pytest.raises(wasm_action.Untrusted, match="not a trusted key"):
        runtime.load(signed(), name="migrate")


def test_a_component_pinned_with_sha256sum_lines_loads(tmp_path):
    wasm = unsigned_bytes()
    pins = tmp_path / "pins.sha256"
    pins.write_text(f"# reviewed\n{hashlib.sha256(wasm).hexdigest()}  migrate.wasm\n")
    plugin = trusting(trust_pins=pins).load(wasm, name="migrate")
    assert plugin.digest == hashlib.sha256(wasm).hexdigest()


def test_the_builtin_component_loads_under_a_trust_policy():
    runtime = trusting(trust_keys=[trust_file("other.pub")])
    plugin = runtime.builtin("migrate")
    assert (plugin.name, plugin.trust.startswith("built in")) == ("migrate", True), plugin.trust


def test_a_missing_trust_file_raises_naming_the_keyword(tmp_path):
    missing = str(tmp_path / "missing")
    with pytest.raises(wasm_action.TrustSettingsError) as raised:
        trusting(trust_pins=missing)
    assert (raised.value.option, raised.value.path) == ("trust_pins", missing)
    with pytest.raises(ValueError, match="not an ed25519 public key") as raised:
        trusting(trust_keys=[trust_file("migrate-signed.wasm")])
    assert raised.value.option == "trust_keys"


def unsigned_bytes():
    """The built-in migrate component's bytes, as a file would hold them."""
    return bytes(wasm_action._native.Runtime.builtin("migrate"))
