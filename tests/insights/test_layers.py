"""insights sits above sms, phones and smstest (like dashboard): nothing below imports it."""

from tests.test_layers import imported_apps


def test_no_app_below_imports_insights():
    wrong = [
        f"{path} imports insights"
        for app in ("sms", "phones", "smstest")
        for path, name in imported_apps(app)
        if name == "insights"
    ]
    assert wrong == []


def test_insights_reads_the_apps_below_it():
    names = {name for _, name in imported_apps("insights")}
    assert {"sms", "phones"} <= names
    assert "dashboard" not in names
