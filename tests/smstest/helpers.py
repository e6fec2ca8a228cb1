"""Small helpers shared by the smstest tests."""

import re
from html import unescape
from html.parser import HTMLParser

from django.urls import reverse


def message_url(message):
    """The test message's own page (sms.Message knows no smstest URL)."""
    return reverse("smstest:message", args=[message.pk])


HTMX = {"HTTP_HX_REQUEST": "true"}
HISTORY_RESTORE = {**HTMX, "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}


def vary(response):
    """The request headers a response says it varies on."""
    return {header.strip() for header in response.get("Vary", "").split(",")}


def selected_option(html, name):
    """The value of the selected option of the <select name=…> in `html` (None: none)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name!r}"
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return chosen.group(1) if chosen else None


def textarea_text(html, name="body"):
    """The text in the <textarea name=…> of `html`, unescaped."""
    box = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', html, re.S)
    assert box, f"no textarea {name!r}"
    return unescape(box.group(1))


class _FormReader(HTMLParser):
    """Reads the first <form> whose action is `action`, as a browser would submit it."""

    def __init__(self, action):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.fields = action, False, {}
        self.select = self.textarea = None
        self.first_option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("action") == self.action and not self.fields:
            self.inside = True
        if not self.inside:
            return
        if tag == "input" and attrs.get("name") and attrs.get("type") != "submit":
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self.select, self.first_option = attrs["name"], None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = attrs.get("value", "")
                self.fields.setdefault(self.select, self.first_option)
            if "selected" in attrs:
                self.fields[self.select] = attrs.get("value", "")
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.fields[self.textarea] = ""

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.inside and self.textarea:
            self.fields[self.textarea] += data


def form_fields(html, action):
    """What a browser without JavaScript posts for the form with `action`, as a dict (the
    text box's leading newline dropped, as browsers do)."""
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.fields, f"no form posting to {action}"
    if "body" in reader.fields:
        reader.fields["body"] = reader.fields["body"].removeprefix("\n")
    return reader.fields
