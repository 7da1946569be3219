#!/usr/bin/env python3
"""Browser lane: a person on a phone uses the demo through headless Chromium.

Each step checks what the page says, not only that it loaded; every page visited is saved as a
PNG in --out. Usage: web_test.py --base-url http://127.0.0.1:18080 --out scripts/out
"""
import argparse
import os
import sys
import time
import traceback
from urllib.parse import quote

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

DEMO_PASSWORD = "binhyen-demo-2026"


class Lane:
    def __init__(self, base, out):
        self.base = base.rstrip("/")
        self.out = out
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=412,915", "--lang=vi"):
            options.add_argument(arg)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.wait = WebDriverWait(self.driver, 10)
        self.shots = 0

    def shot(self, name):
        self.shots += 1
        self.driver.save_screenshot(os.path.join(self.out, f"web-{self.shots:02d}-{name}.png"))

    def open(self, path):
        self.driver.get(self.base + path)
        self.wait.until(lambda d: d.execute_script("return document.readyState") == "complete")

    def find(self, css):
        return self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def fill(self, form, values):
        for name, value in values.items():
            field = self.driver.find_element(By.CSS_SELECTOR, f"{form} [name={name}]")
            field.clear()
            field.send_keys(value)

    def submit(self, form):
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.driver.find_element(By.CSS_SELECTOR, f"{form} button[type=submit]").click()
        self.wait.until(EC.staleness_of(old))

    def logout(self):
        old = self.driver.find_element(By.TAG_NAME, "html")
        self.find("[data-testid=logout]").click()
        self.wait.until(EC.staleness_of(old))
        self.find("[data-testid=login-link]")

    def login(self, phone, password):
        self.open("/login")
        self.fill("#login-form", {"phone": phone, "password": password})
        self.submit("#login-form")


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def test_unit_search(t):
    for query, expected in [("buon ma thuot", "Buôn Ma Thuột"), ("Buôn Ma Thuột", "Buôn Ma Thuột"), ("dak lak", "Đắk Lắk")]:
        t.open("/units")
        t.fill("#unit-search", {"q": query})
        t.submit("#unit-search")
        first = t.find("li.unit-result a")
        check(expected in first.text, f"search {query!r}: first result is {first.text!r}")
        t.shot("units-" + query.replace(" ", "-"))
    t.open("/units?q=" + quote("buon ma thuot"))
    first = t.find("li.unit-result a")
    name = first.text
    old = t.driver.find_element(By.TAG_NAME, "html")
    first.click()
    t.wait.until(EC.staleness_of(old))
    check(name in t.find("h1").text, "the unit page is headed with the unit's name")
    check("/units/CA24133" in t.driver.current_url, f"unit page url {t.driver.current_url}")
    t.shot("unit-detail")
    t.open("/units?q=xyzxyz")
    check(t.find(".empty-state").is_displayed(), "an empty search says so")
    check(not t.all("li.unit-result"), "no results for nonsense")


def test_register_login_logout(t):
    suffix = str(int(time.time() * 1000))[-8:]
    phone = f"09{suffix[:2]} {suffix[2:5]} {suffix[5:]}"
    e164 = "+849" + suffix
    t.open("/register")
    t.fill("#register-form", {"phone": "12ab", "displayName": "", "password": "123", "passwordConfirm": "123"})
    t.submit("#register-form")
    for field in ("phone", "displayName", "password"):
        error = t.find(f".field-error[data-field={field}]")
        check(error.text.strip(), f"an error is shown for {field}")
    check("Số điện thoại" in t.find(".field-error[data-field=phone]").text, "the phone error is in Vietnamese")
    check(t.driver.find_element(By.CSS_SELECTOR, "#register-form [name=phone]").get_attribute("value") == "12ab",
          "the typed phone is kept")
    t.shot("register-errors")

    t.fill("#register-form", {"phone": phone, "displayName": "Nguyễn Thị Lan",
                              "password": "mat-khau-an-toan-1", "passwordConfirm": "mat-khau-an-toan-1"})
    t.submit("#register-form")
    check(t.driver.current_url.rstrip("/") == t.base, f"registered and sent home, at {t.driver.current_url}")
    check(t.find("[data-testid=account-name]").text == "Nguyễn Thị Lan", "the new citizen is logged in")
    t.shot("registered-home")

    t.logout()
    t.open("/register")
    t.fill("#register-form", {"phone": e164, "displayName": "Người khác",
                              "password": "mat-khau-khac-22", "passwordConfirm": "mat-khau-khac-22"})
    t.submit("#register-form")
    check("đã được đăng ký" in t.find(".field-error[data-field=phone]").text, "a number registers once, whatever the spelling")

    t.login(phone, "sai-mat-khau")
    check("không đúng" in t.find(".form-error").text, "a wrong password is refused with a message")
    check(t.all("[data-testid=login-link]"), "still logged out")
    t.shot("login-wrong")
    t.login(e164, "mat-khau-an-toan-1")
    check(t.find("[data-testid=account-name]").text == "Nguyễn Thị Lan", "logged in with the +84 spelling")

    t.open("/console")
    check(t.find("[data-testid=forbidden]").is_displayed(), "a citizen is refused the console")
    t.shot("console-forbidden")
    t.logout()


def test_officer_console(t):
    t.open("/console")
    check("/login" in t.driver.current_url, "a visitor is sent to log in")
    t.fill("#login-form", {"phone": "0901 000 001", "password": DEMO_PASSWORD})
    t.submit("#login-form")
    home = t.find("[data-testid=console-home]")
    check("Công an tỉnh Đắk Lắk" in home.text, "the province admin sees their unit")
    t.shot("console-home")
    t.logout()


def test_language(t):
    t.open("/units")
    check(t.find("html").get_attribute("lang") == "vi", "Vietnamese first")
    old = t.driver.find_element(By.TAG_NAME, "html")
    t.find("a[data-testid=lang-en]").click()
    t.wait.until(EC.staleness_of(old))
    check(t.find("html").get_attribute("lang") == "en", "switched to English")
    check("Police unit directory" in t.find("h1").text, "the page is in English")
    t.shot("english")
    old = t.driver.find_element(By.TAG_NAME, "html")
    t.find("a[data-testid=lang-vi]").click()
    t.wait.until(EC.staleness_of(old))
    check(t.find("html").get_attribute("lang") == "vi", "back to Vietnamese")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--out", default="scripts/out")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    lane = Lane(args.base_url, args.out)
    passed = failed = 0
    try:
        for test in (test_unit_search, test_register_login_logout, test_officer_console, test_language):
            try:
                test(lane)
                passed += 1
                print(f"ok   {test.__name__}")
            except Exception:
                failed += 1
                print(f"FAIL {test.__name__}")
                traceback.print_exc()
                lane.shot("failure-" + test.__name__)
                with open(os.path.join(args.out, f"failure-{test.__name__}.html"), "w") as f:
                    f.write(lane.driver.page_source)
    finally:
        lane.driver.quit()
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
