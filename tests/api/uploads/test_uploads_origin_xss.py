"""Files served from the uploads origin never run in a browser (issue 22, item 3: stored XSS).

An XHTML document and an SVG image, each well-formed XML and so accepted as a MOC "model" file,
are uploaded through the real handler to the local moto S3; headless Chromium (Playwright, Debian's
``chromium``) opens the URL the API returned. Their script would call a function the test exposes
and set the page title: neither happens, the browser downloads the file instead.
"""

from __future__ import annotations

import json
import shutil

import pytest
import requests

from api.object_keys import PUBLIC_PREFIXES
from api.uploads.served_as import served_as
from devstack.s3.local_s3 import LOCAL_BUCKET, public_read_policy
from tests.support.helpers import moc_body
from tests.support.uploads import png, send_to_s3, upload

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium on this machine (apt-get install -y chromium)")

SCRIPT = "document.title = 'pwned'; if (window.pwned) { window.pwned(); }"
XHTML = (
    '<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>model</title>'
    f"</head><body><p>hello</p><script>{SCRIPT}</script></body></html>"
).encode()
SVG = (
    '<?xml version="1.0" encoding="UTF-8"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    f"<script>{SCRIPT}</script></svg>"
).encode()


@pytest.fixture(scope="module", autouse=True)
def readable_as_under_up(local_s3):
    """The session's bucket readable by anyone under the four public prefixes, as ``brickguard up``'s is."""
    policy = json.dumps(public_read_policy(PUBLIC_PREFIXES)).replace(f":::{LOCAL_BUCKET}/", f":::{local_s3.bucket}/")
    local_s3.client().put_bucket_policy(Bucket=local_s3.bucket, Policy=policy)
    yield
    local_s3.client().delete_bucket_policy(Bucket=local_s3.bucket)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


def _stored_file_url(lambda_client, user: str, document: bytes) -> str:
    moc = lambda_client.call("POST", "/api/mocs", user=user, json_body=moc_body("Hostile model")).json["data"]["id"]
    reply = upload(lambda_client, f"/api/mocs/{moc}/files", user, {},
                   [("files", "model.xhtml", document, "application/xhtml+xml")])
    assert reply.status == 201, reply.text
    (stored,) = reply.json["data"]
    assert stored["mimeType"] == "application/xml"  # the row says what the file is
    return stored["fileUrl"]


def _opened_without_running(browser, url: str) -> None:
    from playwright.sync_api import Error as PlaywrightError

    page = browser.new_context(accept_downloads=True).new_page()
    ran: list[bool] = []
    page.expose_function("pwned", lambda: ran.append(True))
    with page.expect_download(timeout=15_000) as download:
        try:
            page.goto(url)
        except PlaywrightError as exc:  # a download is not a navigation: Chromium aborts it
            assert "Download is starting" in str(exc) or "net::ERR_ABORTED" in str(exc), exc
        assert not ran, "the uploaded document's script ran in the uploads origin"
        assert page.title() != "pwned"
    assert download.value.suggested_filename.endswith(".xml")
    assert not ran
    page.context.close()


@pytest.mark.parametrize("document", [XHTML, SVG], ids=["xhtml", "svg"])
def test_an_uploaded_active_document_downloads_and_never_runs(browser, lambda_client, user, document) -> None:
    url = _stored_file_url(lambda_client, user, document)
    served = requests.get(url, timeout=10)
    assert served.status_code == 200 and served.content == document
    assert served.headers["Content-Type"] == "application/octet-stream"
    assert served.headers["Content-Disposition"].startswith("attachment")
    _opened_without_running(browser, url)


def test_a_presigned_moc_file_is_served_the_same_way(lambda_client, user) -> None:
    moc = lambda_client.call("POST", "/api/mocs", user=user, json_body=moc_body("Presigned model")).json["data"]["id"]
    offer = lambda_client.call("POST", f"/api/mocs/{moc}/files/upload-url", user=user,
                               json_body={"contentType": "application/xml"}).json["data"]
    send_to_s3(offer, XHTML, "application/xml")
    reply = lambda_client.call("POST", f"/api/mocs/{moc}/files/confirm", user=user,
                               json_body={"uploadId": offer["uploadId"]})
    assert reply.status == 201, reply.text
    served = requests.get(reply.json["data"][0]["fileUrl"], timeout=10)
    assert served.headers["Content-Type"] == "application/octet-stream"
    assert served.headers["Content-Disposition"].startswith("attachment")


def test_an_image_is_served_inline_as_the_webp_it_is(lambda_client, user) -> None:
    reply = upload(lambda_client, "/api/images", user, {"title": "Inline"},
                   [("file", "a.png", png(40, 30), "image/png")])
    assert reply.status == 201, reply.text
    served = requests.get(reply.json["data"]["imageUrl"], timeout=10)
    assert served.headers["Content-Type"] == "image/webp"
    assert served.headers.get("Content-Disposition", "inline") == "inline"


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/xml", "application/octet-stream"), ("text/xml", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"), ("text/html; charset=utf-8", "application/octet-stream"),
        ("application/xhtml+xml", "application/octet-stream"), ("text/javascript", "application/octet-stream"),
        ("application/pdf", "application/pdf"), ("text/csv", "text/csv"),
    ],
)
def test_what_could_render_is_stored_inert_and_as_an_attachment(content_type: str, expected: str) -> None:
    served_type, disposition = served_as(content_type, 'a"b\r\n.xml')
    assert served_type == expected
    assert disposition == 'attachment; filename="ab.xml"'
