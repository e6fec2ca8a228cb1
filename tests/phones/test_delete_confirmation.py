"""Deleting asks first, the same way with or without JavaScript: the number is named, and the
primary number's warning is never lost (a <dialog> in the row, or the confirmation page)."""

import re

import pytest
from django.urls import reverse

from tests.factories import PhoneNumberFactory

from .conftest import HTMX, words

pytestmark = pytest.mark.django_db

MANAGE = reverse("phones:manage")
PRIMARY_WARNING = (
    "This is your primary number. If you have other verified numbers, the oldest of them "
    "becomes primary."
)
CANNOT_UNDO = "This cannot be undone. To use the number again you would add it and verify it again."


def dialog_of(html, phone):
    found = re.search(rf'<dialog [^>]*id="delete-dialog-{phone.pk}".*?</dialog>', html, re.S)
    assert found, "the row has no delete dialog"
    return found.group()


@pytest.fixture
def primary(user):
    return PhoneNumberFactory(user=user, primary=True, number="+12065550101")


@pytest.fixture
def other(user):
    return PhoneNumberFactory(user=user, verified=True, number="+12065550102")


def test_the_dialog_names_the_number_and_warns_that_it_is_the_primary_one(user_client, primary):
    dialog = dialog_of(user_client.get(MANAGE).content.decode(), primary)
    assert f'aria-labelledby="delete-dialog-{primary.pk}-heading"' in dialog
    assert f'id="delete-dialog-{primary.pk}-heading">Delete (206) 555-0101?</h2>' in dialog
    assert PRIMARY_WARNING in words(dialog)
    assert CANNOT_UNDO in words(dialog)


def test_the_dialog_of_a_number_that_is_not_primary_has_no_primary_warning(
    user_client, primary, other
):
    dialog = dialog_of(user_client.get(MANAGE).content.decode(), other)
    assert "Delete (206) 555-0102?" in dialog
    assert "primary" not in words(dialog)


def test_the_dialog_deletes_through_htmx_into_the_row_and_cancel_only_closes_it(
    user_client, primary
):
    dialog = dialog_of(user_client.get(MANAGE).content.decode(), primary)
    form = re.search(r"<form [^>]*>", dialog).group()
    delete = reverse("phones:delete", args=[primary.pk])
    assert f'method="post" action="{delete}" hx-post="{delete}"' in form
    assert f'hx-target="#phone-{primary.pk}" hx-swap="outerHTML"' in form
    assert 'name="csrfmiddlewaretoken"' in dialog
    assert '<button type="submit" class="button button-danger">Delete number</button>' in dialog
    cancel = '<button type="button" class="button button-quiet" data-dialog-close>Cancel</button>'
    assert cancel in dialog


def test_the_confirmation_page_and_the_dialog_say_the_same(user_client, primary):
    page = user_client.get(reverse("phones:delete", args=[primary.pk])).content.decode()
    card = page[page.index('id="confirm-heading"') :]
    card = card[: card.index("<form")]
    dialog = dialog_of(user_client.get(MANAGE).content.decode(), primary)
    said = dialog[dialog.index("</h2>") + 5 : dialog.index("<form")]
    assert words(said) == f"{PRIMARY_WARNING} {CANNOT_UNDO}"
    assert words(said) in words(card)


def test_a_row_swapped_in_by_htmx_brings_its_dialog_up_to_date(user_client, primary, other):
    response = user_client.post(reverse("phones:make_primary", args=[other.pk]), **HTMX)
    html = response.content.decode()
    # The new primary number's dialog warns; the old one's (out of band) no longer does.
    assert PRIMARY_WARNING in words(dialog_of(html, other))
    assert "primary" not in words(dialog_of(html, primary))


def test_the_row_fragment_has_the_dialog_too(user_client, primary):
    html = user_client.get(reverse("phones:row", args=[primary.pk]), **HTMX).content.decode()
    assert PRIMARY_WARNING in words(dialog_of(html, primary))


def test_deleting_from_the_dialog_leaves_a_notice_in_the_rows_place(user_client, primary):
    response = user_client.post(reverse("phones:delete", args=[primary.pk]), **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="item phone-removed" id="phone-{primary.pk}"')
    assert "<dialog" not in html
