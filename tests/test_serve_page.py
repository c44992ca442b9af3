"""The page at `/` in a real browser: Playwright driving Debian's Chromium (/usr/bin/chromium).

Paste Norwegian, press Translate, see the English side by side; no script error, and no
request leaves the server (everything the page needs is served by nb2en itself).
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

import pytest
from serve_harness import running_server

CHROMIUM = os.environ.get("NB2EN_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTICLE = (
    "Kraftig uvær i Nord-Norge\n\n"
    "Over 300 mennesker ble evakuert natt til søndag. Politiet ber folk holde seg inne.\n\n"
    "– Vi har aldri sett noe lignende, sier ordfører Kari Hansen.\n\n"
    "(©NTB)"
)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium; CI installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def page_server(tiny_marian_dir, tmp_path_factory):
    with running_server(tiny_marian_dir, tmp_path_factory.mktemp("page-cache")) as live:
        yield live


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"])
def test_paste_translate_and_read_side_by_side(browser, page_server, tmp_path, viewport):
    server_origin = urlsplit(page_server.url).netloc
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def only_this_server(route):
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.netloc == server_origin:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(page_server.url + "/")
    page.get_by_label("Norwegian text").fill(ARTICLE)
    page.get_by_role("checkbox", name="Summary").check()
    page.get_by_role("button", name="Translate").click()
    page.wait_for_selector("#result:not([hidden]) .block", timeout=60_000)

    blocks = page.locator("#blocks .block")
    assert blocks.count() == 4
    assert blocks.nth(0).locator(".nb").inner_text() == "Kraftig uvær i Nord-Norge"
    english = blocks.nth(1).locator(".en .sentence")
    assert english.count() == 2 and english.nth(0).inner_text().strip()
    assert blocks.nth(2).locator(".en").inner_text().startswith("– ")  # the quote's dash is kept
    assert blocks.nth(3).locator(".en").inner_text() == "(©NTB)"
    assert page.locator(".sentence.flagged").count() > 0  # the tiny model's outputs run to the cap
    assert "length limit" in page.locator(".sentence.flagged").first.get_attribute("title")
    assert page.locator("#summary-section").is_visible() and page.locator("#summary-text").inner_text().strip()
    download = page.locator("#download-link")
    assert download.is_visible() and "/download_file/" in download.get_attribute("href")
    assert "Translated" in page.locator("#status").inner_text()

    # keyboard: the style chooser is reachable and re-summarizes from the cache
    page.locator("#summary-style").focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function("document.querySelector('#status').textContent.includes('from the cache')")

    page.screenshot(path=str(tmp_path / f"page-{viewport['width']}.png"), full_page=True)
    context.close()
    assert errors == []
    assert foreign == []


def test_upload_a_file_and_download_the_english(browser, page_server, tmp_path):
    article = tmp_path / "uvaer.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_server.url + "/")
    page.get_by_label("or upload a file").set_input_files(str(article))
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Translate").press("Enter")  # keyboard only
    page.wait_for_selector("#result:not([hidden]) .block", timeout=60_000)
    assert page.locator("#blocks .block").count() == 4
    link = page.locator("#download-link")
    assert link.inner_text() == "Download the English (uvaer.en.txt)"
    with page.expect_download() as info:
        link.click()
    saved = tmp_path / "downloaded.txt"
    info.value.save_as(saved)
    english = saved.read_text(encoding="utf-8")
    assert len(english.strip().split("\n\n")) == 4 and english.strip().endswith("(©NTB)")
    page.close()
    assert errors == []
