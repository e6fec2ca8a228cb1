"""Numbers, primary and removal: the rules the database and the model keep."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from phones.models import NotVerified, PhoneEvent, PhoneNumber, display_number
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db


def test_two_primaries_for_one_user_fail_at_the_database(user):
    PhoneNumberFactory(user=user, primary=True)
    second = PhoneNumberFactory(user=user, verified=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        # A queryset update skips model validation: only the constraint can stop it.
        PhoneNumber.objects.filter(pk=second.pk).update(is_primary=True)


def test_an_unverified_number_cannot_be_primary_at_the_database(user):
    phone = PhoneNumberFactory(user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneNumber.objects.filter(pk=phone.pk).update(is_primary=True)


def test_a_number_is_verified_on_one_account_at_a_time_at_the_database(user, other_user):
    PhoneNumberFactory(user=user, number="+14155550101", verified=True)
    theirs = PhoneNumberFactory(user=other_user, number="+14155550101")
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneNumber.objects.filter(pk=theirs.pk).update(verified_at=timezone.now())


def test_the_same_number_twice_on_one_account_fails_at_the_database(user):
    PhoneNumberFactory(user=user, number="+14155550101")
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneNumber.objects.create(user=user, number="+14155550101")


def test_make_primary_moves_primary_and_records_it(user):
    old = PhoneNumberFactory(user=user, primary=True)
    new = PhoneNumberFactory(user=user, verified=True)

    assert new.make_primary() == old

    old.refresh_from_db()
    assert new.is_primary and not old.is_primary
    assert new.events.filter(kind=PhoneEvent.Kind.PRIMARY_CHANGED).exists()


def test_a_pending_number_cannot_be_made_primary(phone):
    with pytest.raises(NotVerified):
        phone.make_primary()
    phone.refresh_from_db()
    assert not phone.is_primary


def test_deleting_the_primary_promotes_the_oldest_remaining_verified_number(user):
    primary = PhoneNumberFactory(user=user, primary=True)
    PhoneNumberFactory(user=user)  # older than the next one, but pending
    oldest_verified = PhoneNumberFactory(user=user, verified=True)
    PhoneNumberFactory(user=user, verified=True)

    promoted = primary.remove()

    assert promoted == oldest_verified
    assert list(user.phone_numbers.filter(is_primary=True)) == [oldest_verified]
    assert PhoneEvent.objects.filter(kind=PhoneEvent.Kind.DELETED, phone=None).exists()


def test_deleting_the_only_verified_number_leaves_no_primary(user, phone):
    primary = PhoneNumberFactory(user=user, primary=True)
    assert primary.remove() is None
    assert not user.phone_numbers.filter(is_primary=True).exists()


def test_deleting_a_number_keeps_its_events_for_the_quotas(phone):
    phone.record(PhoneEvent.Kind.CODE_SENT)
    phone.remove()
    kinds = set(PhoneEvent.objects.filter(number=phone.number).values_list("kind", flat=True))
    assert kinds == {PhoneEvent.Kind.CODE_SENT, PhoneEvent.Kind.DELETED}


def test_change_label_records_old_and_new(phone):
    phone.change_label("Work")
    phone.change_label("Work")  # unchanged: nothing to record
    event = phone.events.get(kind=PhoneEvent.Kind.LABEL_CHANGED)
    assert event.detail == "“” → “Work”"
    phone.refresh_from_db()
    assert phone.label == "Work"


def test_overview_counts_numbers_and_names_the_primary(user):
    primary = PhoneNumberFactory(user=user, primary=True)
    PhoneNumberFactory(user=user, verified=True)
    PhoneNumberFactory(user=user)
    PhoneNumberFactory(verified=True)  # someone else's

    assert user.phone_numbers.overview() == {
        "total": 3,
        "verified": 2,
        "pending": 1,
        "primary": primary,
    }


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("+14155552671", "(415) 555-2671"),
        ("+16045550123", "+1 604-555-0123"),
        ("+447911123456", "+44 7911 123456"),
    ],
)
def test_numbers_of_the_default_region_are_shown_national_others_international(number, shown):
    phone = PhoneNumberFactory.build(number=number)
    assert display_number(phone.number) == shown


@pytest.mark.parametrize(
    ("number", "country"),
    [("+14165550123", "CA"), ("+12065550101", "US"), ("+447911123456", "GB"), ("+80012345678", "")],
)
def test_each_number_knows_its_country_and_non_geographic_ones_have_none(number, country):
    phone = PhoneNumberFactory(number=number)
    phone.refresh_from_db()
    assert phone.country == country
