from __future__ import annotations

import pytest
from temporalio.api.common.v1 import Payload

from petitionflow.codec import CodecKeyError, EncryptionCodec, new_key_spec, parse_keys
from petitionflow.settings import Settings


async def test_round_trip_and_rotation() -> None:
    old, new = parse_keys(new_key_spec("k1")), parse_keys(new_key_spec("k2"))
    before = EncryptionCodec(old, "k1")
    plain = Payload(metadata={"encoding": b"json/plain"}, data="张三丰 13812345678".encode())
    (sealed,) = await before.encode([plain])
    assert sealed.metadata["encryption-key-id"] == b"k1"
    assert "张三丰".encode() not in sealed.data
    rotated = EncryptionCodec(old | new, "k2")
    assert await rotated.decode([sealed]) == [plain]  # old payloads still read
    (resealed,) = await rotated.encode([plain])
    assert resealed.metadata["encryption-key-id"] == b"k2"
    assert await rotated.decode([plain]) == [plain]  # unencrypted history passes through
    with pytest.raises(CodecKeyError, match="unknown key"):
        await EncryptionCodec(new, "k2").decode([sealed])


@pytest.mark.parametrize(
    ("spec", "message"),
    [("", "no codec key"), ("k1", "id:base64key"), ("k1:!!", "base64"), ("k1:AAAA", "32 bytes")],
)
def test_bad_keys_are_refused(spec: str, message: str) -> None:
    with pytest.raises(CodecKeyError, match=message):
        parse_keys(spec)


def test_prod_refuses_to_start_without_a_key(tmp_path) -> None:
    with pytest.raises(CodecKeyError, match="PETITIONFLOW_CODEC_KEYS"):
        _ = Settings(env="prod", data_dir=tmp_path).payload_codec
    dev = Settings(env="dev", data_dir=tmp_path)
    assert isinstance(dev.payload_codec, EncryptionCodec)
    assert (tmp_path / "codec_keys").stat().st_mode & 0o077 == 0  # generated once, private
