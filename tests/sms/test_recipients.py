"""The numbers an account has texted, read one index entry per number (the history's
number filter): every number once, in order, whatever became of the number since."""

import pytest

from sms.models import Message
from tests.factories import MessageFactory, PhoneNumberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_each_number_texted_comes_once_in_order(user):
    numbers = ["+447911123456", "+14155550123", "+14155550100"]
    for number in numbers:
        phone = PhoneNumberFactory(user=user, number=number, verified=True)
        MessageFactory.create_batch(3, user=user, phone=phone)
    assert Message.objects.recipients_of(user, Message.Purpose.TEST) == sorted(numbers)


def test_a_deleted_numbers_tests_still_count(user):
    phone = PhoneNumberFactory(user=user, number="+14155550123", verified=True)
    MessageFactory(user=user, phone=phone)
    phone.delete()
    assert Message.objects.recipients_of(user, Message.Purpose.TEST) == ["+14155550123"]


def test_only_this_accounts_messages_of_that_purpose(user):
    stranger = UserFactory()
    MessageFactory(user=stranger, phone=PhoneNumberFactory(user=stranger, verified=True))
    mine = PhoneNumberFactory(user=user, number="+14155550123")
    MessageFactory(user=user, phone=mine, purpose=Message.Purpose.VERIFICATION)
    assert Message.objects.recipients_of(user, Message.Purpose.TEST) == []
    assert Message.objects.recipients_of(user, Message.Purpose.VERIFICATION) == ["+14155550123"]


def test_one_query_for_any_number_of_messages(user, django_assert_num_queries):
    phone = PhoneNumberFactory(user=user, verified=True)
    MessageFactory.create_batch(40, user=user, phone=phone)
    with django_assert_num_queries(1):
        assert Message.objects.recipients_of(user, Message.Purpose.TEST) == [str(phone.number)]
