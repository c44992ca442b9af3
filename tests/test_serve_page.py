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
    status = page.locator("#status").inner_text()
    assert "kind(s)" not in status and "cache" not in status  # plain words for a journalist
    assert "machine" in page.locator("#summary-label").inner_text()
    assert "short" in page.locator("#summary-label").inner_text()
    assert page.locator("#char-count").inner_text().startswith(f"{len(ARTICLE)} ")

    # keyboard: the style chooser is reachable and re-summarizes from the cache
    page.locator("#summary-style").focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function("document.querySelector('#status').textContent.includes('All of them had been translated before')")
    assert "headline" in page.locator("#summary-label").inner_text()

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


def long_article(paragraphs: int) -> str:
    """Distinct Norwegian paragraphs (nothing cached), two sentences each."""
    return "\n\n".join(
        f"Avsnitt nummer {i} handler om været i Bodø. Kommunen melder om {i * 7} nye tilfeller i uke {i % 52 + 1}."
        for i in range(paragraphs)
    )


def test_a_long_article_shows_progress_and_can_be_cancelled(browser, page_server, tmp_path):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_server.url + "/")
    page.get_by_label("Norwegian text").fill(long_article(120))
    page.get_by_role("button", name="Translate").click()
    # English appears block by block while the work goes on, with a progress bar and Cancel.
    page.wait_for_selector("#blocks .block", timeout=60_000)
    assert page.locator("#progress-row").is_visible()
    assert page.locator("#cancel-button").is_visible()
    assert float(page.locator("#progress").get_attribute("value")) > 0
    page.screenshot(path=str(tmp_path / "progress.png"))
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Cancelled')")
    shown = page.locator("#blocks .block").count()
    assert 0 < shown < 120  # what was done stays on the page; the rest was never asked for
    assert page.locator("#progress-row").is_hidden() and page.locator("#cancel-button").is_hidden()
    assert page.get_by_role("button", name="Translate").is_enabled()
    page.close()
    assert errors == []


def test_copy_gives_the_english(browser, page_server):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(page_server.url + "/")
    page.get_by_label("Norwegian text").fill(ARTICLE)
    page.get_by_role("button", name="Translate").click()
    page.wait_for_selector("#result:not([hidden]) .block", timeout=60_000)
    page.get_by_role("button", name="Copy the English").click()
    page.wait_for_function("document.querySelector('#status').textContent.includes('clipboard')")
    copied = page.evaluate("navigator.clipboard.readText()")
    english = [page.locator("#blocks .block .en").nth(i).evaluate(
        "el => { const c = el.cloneNode(true); c.querySelectorAll('.flags').forEach(l => l.remove()); return c.textContent.trim(); }"
    ) for i in range(4)]
    assert copied == "\n\n".join(english)
    assert copied.endswith("(©NTB)")  # the byline passes through; every block is there, in order
    assert "length limit" not in copied  # the flag notes are not part of the English
    context.close()


def test_a_dropped_file_is_translated_and_can_be_cleared(browser, page_server):
    page = browser.new_page()
    page.goto(page_server.url + "/")
    page.evaluate(
        """(text) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([text], "uvaer.txt", { type: "text/plain" }));
            const zone = document.getElementById("drop-zone");
            zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
        }""",
        ARTICLE,
    )
    assert page.locator("#file-chip").is_visible() and "uvaer.txt" in page.locator("#file-name").inner_text()
    page.get_by_role("button", name="Translate").click()
    page.wait_for_selector("#result:not([hidden]) .block", timeout=60_000)
    assert page.locator("#blocks .block").count() == 4
    assert page.locator("#download-link").inner_text() == "Download the English (uvaer.en.txt)"
    page.get_by_role("button", name="Clear file").click()
    assert page.locator("#file-chip").is_hidden()
    page.get_by_role("button", name="Translate").click()  # no file and an empty text box
    assert "Paste some Norwegian" in page.locator("#status").inner_text()
    page.close()


def test_a_plain_text_503_reads_as_a_message(browser, page_server):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_server.url + "/")
    page.route("**/v1/articles", lambda route: route.fulfill(status=503, body="Service Unavailable", content_type="text/plain"))
    page.get_by_label("Norwegian text").fill(ARTICLE)
    page.get_by_role("button", name="Translate").click()
    page.wait_for_function("document.querySelector('#status').classList.contains('error')")
    message = page.locator("#status").inner_text()
    assert "503" in message and "try again" in message and "JSON" not in message and "Unexpected token" not in message
    page.close()
    assert errors == []


def test_flag_pairing_works_by_touch(browser, page_server, tmp_path):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(page_server.url + "/")
    page.get_by_label("Norwegian text").fill(ARTICLE)
    page.get_by_role("button", name="Translate").click()
    page.wait_for_selector("#result:not([hidden]) .block", timeout=60_000)
    flagged = page.locator(".en .sentence.flagged").first
    flagged.tap()
    panel = page.locator(".sentence-panel")
    assert panel.is_visible()
    assert "length limit" in panel.locator(".panel-notes").inner_text()  # the note, without hover
    index = flagged.get_attribute("data-index")
    assert page.locator(f'.nb .sentence.chosen[data-index="{index}"]').count() == 1  # its pair is marked
    page.screenshot(path=str(tmp_path / "touch.png"), full_page=True)
    page.get_by_role("button", name="Close").tap()
    assert page.locator(".sentence-panel").count() == 0
    context.close()


def test_the_character_count_stands_against_the_limit(browser, tiny_marian_dir, tmp_path):
    with running_server(tiny_marian_dir, tmp_path / "cache", char_limit=150) as live:
        page = browser.new_page()
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url) if "v1/articles" in request.url else None)
        page.goto(live.url + "/")
        page.get_by_label("Norwegian text").fill(ARTICLE)
        count = page.locator("#char-count")
        assert count.inner_text() == f"{len(ARTICLE)} of 150 characters"
        assert "error" in count.get_attribute("class")
        page.get_by_role("button", name="Translate").click()
        assert "at most 150" in page.locator("#status").inner_text()
        assert asked == []  # refused in the page, before any request
        page.close()


def test_a_sentence_corrected_in_place_comes_back_from_the_memory(browser, tiny_marian_dir, tmp_path):
    """With --suggestions: tap a sentence, correct its English, save (/suggest); the next
    translation of the article takes that sentence from the memory, and the page says so."""
    from translate.memory import suggestion_store

    with running_server(tiny_marian_dir, tmp_path / "cache", suggestions=True, memory=suggestion_store()) as live:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(live.url + "/")
        page.get_by_label("Norwegian text").fill(ARTICLE)
        page.get_by_role("button", name="Translate").click()
        page.wait_for_selector("#result:not([hidden]) .block", timeout=60_000)
        target = page.locator("#blocks .block").nth(1).locator(".en .sentence").first
        target.click()
        page.get_by_role("button", name="Correct the English").click()
        page.get_by_label("Your English for this sentence").fill("More than 300 people were evacuated on Saturday night.")
        page.get_by_role("button", name="Save correction").click()
        page.wait_for_function("document.querySelector('#status').textContent.startsWith('Correction saved')")
        assert target.inner_text() == "More than 300 people were evacuated on Saturday night."
        assert "memory" in target.get_attribute("class")

        page.get_by_role("button", name="Translate").click()  # again: the memory answers that sentence
        page.wait_for_function("document.querySelector('#status').textContent.startsWith('Translated')")
        again = page.locator("#blocks .block").nth(1).locator(".en .sentence").first
        assert again.inner_text() == "More than 300 people were evacuated on Saturday night."
        assert "memory" in again.get_attribute("class")
        assert "translation memory" in page.locator("#legend").inner_text()
        page.close()
        assert errors == []


def test_without_suggestions_the_page_offers_no_correction(browser, page_server):
    page = browser.new_page()
    page.goto(page_server.url + "/")
    page.get_by_label("Norwegian text").fill(ARTICLE)
    page.get_by_role("button", name="Translate").click()
    page.wait_for_selector("#result:not([hidden]) .block", timeout=60_000)
    page.locator("#blocks .block").nth(1).locator(".en .sentence").first.click()
    assert page.locator(".sentence-panel").is_visible()
    assert page.get_by_role("button", name="Correct the English").count() == 0 or page.get_by_role("button", name="Correct the English").is_hidden()
    page.close()
