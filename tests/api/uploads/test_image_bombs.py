"""Image bombs inside the limits (issue 22, item 4): refused from the header, memory stays bounded.

The bomb is the issue's: a PNG of about 389 KB declaring 7071 x 7071 pixels of 16-bit RGBA (50.0
megapixels, just under the 50 MP limit; 200 MB once decoded, several times that while processed).
Three are uploaded at once through the real handlers in this process; the process's peak resident
memory is reset before (``/proc/self/clear_refs``) and read after (``VmHWM``).
"""

from __future__ import annotations

import struct
import threading
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from api.uploads import image_memory
from api.uploads.image_processing import MAX_DECODED_BYTES
from runtime.errors import ServiceUnavailable
from tests.support.helpers import assert_envelope
from tests.support.uploads import png, upload

SIDE = 7071
CONCURRENT_BOMBS = 3
PEAK_GROWTH_LIMIT = 100 * 2**20
"""Far below one decoded bomb (200 MB): the refusal must come before any pixel is decoded."""


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """7071x7071 RGBA, 16 bits a channel, all zero: compressed row by row, never held decoded."""
    header = struct.pack(">IIBBBBB", SIDE, SIDE, 16, 6, 0, 0, 0)
    squeeze = zlib.compressobj(9)
    row = b"\x00" * (1 + SIDE * 8)  # filter byte, then 8 bytes a pixel
    data = b"".join(squeeze.compress(row) for _ in range(SIDE)) + squeeze.flush()
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def _peak_rss_reset() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS


def _peak_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc/self/status")


def _current_rss() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_the_bomb_is_the_issues(bomb: bytes) -> None:
    assert 300_000 < len(bomb) < 500_000
    assert bomb[16:24] == struct.pack(">II", SIDE, SIDE) and SIDE * SIDE <= 50_000_000


def test_concurrent_bombs_get_a_413_and_memory_stays_bounded(lambda_client, user, bomb: bytes) -> None:
    def send(_: int):
        return upload(lambda_client, "/api/images", user, {"title": "Bomb"}, [("file", "b.png", bomb, "image/png")])

    _peak_rss_reset()
    before = _current_rss()
    with ThreadPoolExecutor(CONCURRENT_BOMBS) as pool:
        replies = list(pool.map(send, range(CONCURRENT_BOMBS)))
    growth = _peak_rss() - before
    for reply in replies:
        error = assert_envelope(reply, 413, "PAYLOAD_TOO_LARGE")
        assert "7071x7071" in error["message"], error
    assert growth < PEAK_GROWTH_LIMIT, f"peak RSS grew by {growth // 2**20} MB"


@pytest.mark.parametrize("route", ["wishlist", "avatar"])
def test_the_bomb_is_refused_for_wishlist_images_and_avatars(lambda_client, user, bomb: bytes, route: str) -> None:
    if route == "wishlist":
        item = lambda_client.call("POST", "/api/wishlist", user=user, json_body={"title": "Bombed"}).json["data"]["id"]
        path = f"/api/wishlist/{item}/image"
    else:
        path = f"/api/users/{user}/avatar"
    assert_envelope(upload(lambda_client, path, user, {}, [("file", "b.png", bomb, "image/png")]),
                    413, "PAYLOAD_TOO_LARGE")


def test_an_image_within_the_decoded_limit_is_still_processed(lambda_client, user) -> None:
    assert MAX_DECODED_BYTES > 3000 * 2000 * 4
    reply = upload(lambda_client, "/api/images", user, {"title": "Big"},
                   [("file", "big.png", png(3000, 2000), "image/png")])
    assert reply.status == 201, reply.text


def test_images_wait_for_room_in_the_memory_budget_and_give_up_with_a_503(monkeypatch) -> None:
    monkeypatch.setattr(image_memory, "LONGEST_WAIT_S", 0.3)
    budget = image_memory.MemoryBudget(100)
    holding, release, second_done = threading.Event(), threading.Event(), threading.Event()

    def hold() -> None:
        with budget.reserve(80):
            holding.set()
            release.wait(timeout=30)

    first = threading.Thread(target=hold)
    first.start()
    assert holding.wait(timeout=30)
    with pytest.raises(ServiceUnavailable), budget.reserve(50):
        pass
    assert budget.reserved == 80

    def wait_then_take() -> None:
        with budget.reserve(50):
            second_done.set()

    monkeypatch.setattr(image_memory, "LONGEST_WAIT_S", 30.0)
    second = threading.Thread(target=wait_then_take)
    second.start()
    assert not second_done.is_set()
    release.set()
    first.join(timeout=30)
    assert second_done.wait(timeout=30)
    second.join(timeout=30)
    assert budget.reserved == 0
