"""Verification codes: how they are sent, stored, checked, limited and taken over."""

import re
from datetime import timedelta

import pytest

from phones.models import (
    AlreadyVerified,
    CodeAttemptsExhausted,
    CodeExpired,
    CodeNeedsRenewal,
    CodeQuotaReached,
    NoCodeSent,
    PhoneEvent,
    PhoneNumber,
    ResendTooSoon,
    TooManyWrongCodes,
    WrongCode,
)
from sms.models import Message
from tests.factories import PhoneNumberFactory

from .conftest import NOW, full_width

pytestmark = pytest.mark.django_db


def wrong(code):
    """A 6-digit code that is not `code`."""
    return f"{(int(code) + 1) % 10**6:06d}"


def use_up_a_code(phone, send_code):
    """Send `phone` a code and type five wrong ones; returns the code that was sent."""
    code = send_code(phone)
    for _ in range(5):
        with pytest.raises(WrongCode):
            phone.check_code(wrong(code))
    return code


def test_the_code_is_texted_with_expiry_and_a_line_for_browser_autofill(
    phone, sms_outbox, committed
):
    with committed():
        message = phone.start_verification()

    [sms] = sms_outbox
    code = sms.body.split("code is ")[1][:6]
    assert code.isdigit()
    assert sms.to == "+12065550101"
    assert sms.body == (
        f"Your Phonebook verification code is {code}. It expires in 10 minutes.\n\n"
        f"@sms.example.test #{code}"
    )
    assert phone.events.filter(kind=PhoneEvent.Kind.CODE_SENT).count() == 1
    message.refresh_from_db()
    assert message.purpose == Message.Purpose.VERIFICATION
    assert message.twilio_sid == sms.sid and message.body == sms.body


def test_only_a_keyed_hash_of_the_code_is_stored(phone, user, send_code):
    code = send_code(phone)
    phone.refresh_from_db()

    assert code not in phone.code_hash
    assert len(phone.code_hash) == 64
    # Bound to the row: the same code on another number hashes differently.
    other = PhoneNumberFactory(user=user)
    assert other.hash_code(code) != phone.code_hash


def test_the_right_code_verifies_and_the_first_verified_number_becomes_primary(phone, send_code):
    phone.check_code(send_code(phone))

    phone.refresh_from_db()
    assert phone.is_verified and phone.is_primary
    assert phone.code_hash == ""
    kinds = list(phone.events.values_list("kind", flat=True))
    assert PhoneEvent.Kind.VERIFIED in kinds and PhoneEvent.Kind.PRIMARY_CHANGED in kinds


def test_a_second_verified_number_does_not_take_primary(user, phone, send_code):
    first = PhoneNumberFactory(user=user, primary=True)
    phone.check_code(send_code(phone))
    phone.refresh_from_db()
    assert phone.is_verified and not phone.is_primary
    assert list(user.phone_numbers.filter(is_primary=True)) == [first]


@pytest.mark.parametrize("typed", ["{0} {1}", " {0}-{1} ", "{0}\u3000{1}"])
def test_codes_typed_with_spaces_or_dashes_are_accepted(phone, send_code, typed):
    code = send_code(phone)
    phone.check_code(typed.format(code[:3], code[3:]))
    assert phone.is_verified


def test_codes_typed_in_full_width_digits_are_accepted(phone, send_code):
    phone.check_code(full_width(send_code(phone)))
    assert phone.is_verified


def test_a_code_expires_after_ten_minutes(phone, send_code, clock):
    code = send_code(phone)
    clock.shift(timedelta(minutes=10))

    with pytest.raises(CodeExpired, match=re.escape("This code has expired. Send a new code.")):
        phone.check_code(code)
    phone.refresh_from_db()
    assert not phone.is_verified


def test_a_code_still_works_just_before_it_expires(phone, send_code, clock):
    code = send_code(phone)
    clock.shift(timedelta(minutes=9, seconds=59))
    phone.check_code(code)
    assert phone.is_verified


def test_each_wrong_code_says_how_many_tries_are_left(phone, send_code):
    code = send_code(phone)
    with pytest.raises(WrongCode, match=re.escape("That code is not right. 4 tries left.")):
        phone.check_code(wrong(code))
    assert phone.events.filter(kind=PhoneEvent.Kind.FAILED_ATTEMPT).count() == 1


def test_wrong_code_after_five_tries_requires_new_code(phone, send_code):
    code = send_code(phone)
    for _ in range(4):
        with pytest.raises(WrongCode):
            phone.check_code(wrong(code))
    with pytest.raises(WrongCode, match=re.escape("it was the last try. Send a new code.")):
        phone.check_code(wrong(code))

    with pytest.raises(CodeAttemptsExhausted, match="Too many wrong tries for this code"):
        phone.check_code(code)
    phone.refresh_from_db()
    assert not phone.is_verified
    assert phone.code_status == "exhausted"


def test_checking_before_any_code_was_sent_is_refused(phone):
    with pytest.raises(NoCodeSent):
        phone.check_code("123456")


def test_a_new_code_cancels_the_old_one(phone, send_code, clock):
    old = send_code(phone)
    clock.shift(timedelta(seconds=60))
    new = send_code(phone)

    with pytest.raises(WrongCode):
        phone.check_code(old)
    phone.check_code(new)
    assert phone.is_verified


def test_a_new_code_does_not_reset_this_accounts_daily_failure_count(
    phone, send_code, clock, settings
):
    settings.VERIFICATION_MAX_FAILURES_PER_DAY = 100  # the number-wide cap is not tested here
    # 10 wrong codes across two codes (5 each), sent hours apart within every quota.
    for _ in range(2):
        code = use_up_a_code(phone, send_code)
        clock.shift(timedelta(hours=2))

    # The first failures (12:00) leave the 24-hour window at 12:00 tomorrow; it is 16:00.
    wait = re.escape(
        "You have entered too many wrong codes for this number today. "
        "You can try again in 20 hours."
    )
    with pytest.raises(TooManyWrongCodes, match=wait):
        phone.start_verification()
    with pytest.raises(TooManyWrongCodes):
        phone.check_code(code)

    clock.shift(timedelta(hours=20))
    phone.check_code(send_code(phone))
    assert phone.is_verified


def test_one_accounts_wrong_codes_do_not_stop_another_account(phone, other_user, send_code, clock):
    for _ in range(2):
        use_up_a_code(phone, send_code)
        clock.shift(timedelta(hours=1))
    with pytest.raises(TooManyWrongCodes):
        phone.start_verification()

    owner = PhoneNumberFactory(user=other_user, number=phone.number)
    owner.check_code(send_code(owner))
    assert owner.is_verified


def test_a_number_over_its_cross_account_cap_checks_only_new_codes_once_each(
    phone, other_user, send_code, clock
):
    attacker, second_attacker = phone, PhoneNumberFactory(user=other_user, number=phone.number)
    owner = PhoneNumberFactory(number=phone.number)
    for guesser in (attacker, attacker, second_attacker):  # 15 wrong codes
        use_up_a_code(guesser, send_code)
        clock.shift(timedelta(hours=1))
    sent_before = send_code(owner)
    clock.shift(timedelta(minutes=2))
    use_up_a_code(second_attacker, send_code)  # 20: the number's cap across accounts
    clock.shift(timedelta(minutes=2))

    # A code sent before the cap was reached can no longer be checked, even the right one.
    with pytest.raises(CodeNeedsRenewal, match="This code can no longer be checked"):
        owner.check_code(sent_before)
    # A new code can be checked once: one wrong guess ends it.
    third = PhoneNumberFactory(number=phone.number)
    with pytest.raises(WrongCode, match="it was the last try"):
        third.check_code(wrong(send_code(third)))
    with pytest.raises(CodeNeedsRenewal):
        third.check_code("000000")
    # The owner, who gets the codes, verifies with a new one.
    clock.shift(timedelta(minutes=2))
    owner.check_code(send_code(owner))
    assert owner.is_verified


def test_resend_cooldown_says_how_many_seconds_to_wait(phone, clock, sms_outbox, send_code):
    send_code(phone)
    clock.shift(timedelta(seconds=20))

    with pytest.raises(ResendTooSoon) as refused:
        phone.start_verification()
    assert refused.value.message == "A code was just sent. You can request another in 40 seconds."
    assert refused.value.wait_seconds == 40

    clock.shift(timedelta(seconds=40))
    send_code(phone)
    assert len(sms_outbox) == 2


def test_at_most_five_codes_per_number_per_hour(phone, clock, sms_outbox, send_code):
    for _ in range(5):
        send_code(phone)
        clock.shift(timedelta(minutes=5))

    with pytest.raises(CodeQuotaReached) as refused:
        phone.start_verification()
    # The first code, sent at 12:00, leaves the one-hour window at 13:00; it is 12:25.
    assert refused.value.message == (
        "You have requested 5 codes for this number in the last hour. "
        "You can request another in 35 minutes."
    )
    assert refused.value.retry_at == NOW + timedelta(hours=1)
    assert len(sms_outbox) == 5

    clock.move_to(NOW + timedelta(hours=1))
    send_code(phone)
    assert len(sms_outbox) == 6


def test_deleting_and_re_adding_a_number_does_not_reset_its_limits(user, phone, clock, send_code):
    for _ in range(5):
        send_code(phone)
        clock.shift(timedelta(minutes=2))
    phone.remove()

    again = PhoneNumber.objects.create_for(user, "+12065550101")
    with pytest.raises(CodeQuotaReached):
        again.start_verification()


def test_at_most_ten_codes_per_user_per_day(user, clock, sms_outbox, send_code):
    phones = PhoneNumberFactory.create_batch(4, user=user)
    for round_ in range(3):
        for phone in phones:
            if len(sms_outbox) < 10:
                send_code(phone)
        clock.shift(timedelta(hours=1, minutes=round_))
    assert len(sms_outbox) == 10

    with pytest.raises(CodeQuotaReached) as refused:
        phones[3].start_verification()
    assert refused.value.message.startswith("You have requested 10 codes in the last 24 hours.")
    # The first code (12:00) leaves the 24-hour window at 12:00 tomorrow; it is 15:03.
    assert refused.value.message.endswith("You can request another in 20 hours 57 minutes.")


def test_a_verified_number_gets_no_code(user, sms_outbox, committed):
    phone = PhoneNumberFactory(user=user, verified=True)
    with committed(), pytest.raises(AlreadyVerified):
        phone.start_verification()
    assert sms_outbox == []
    assert not Message.objects.exists()


def test_a_code_sms_the_provider_refuses_gives_its_quota_back(phone, refusing_sender, committed):
    with committed():
        message = phone.start_verification()

    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and message.twilio_sid is None
    assert message.error_code == 21614
    phone.refresh_from_db()
    assert phone.code_delivery.state == "failed"
    # Surely nothing was sent: no cooldown, and no code counted by the hourly quota.
    assert phone.code_request_refusal() is None
    assert not Message.objects.verification_codes().handed_over().exists()


def test_a_code_sms_that_may_have_been_sent_keeps_its_code_and_counts(
    phone, timing_out_sender, committed
):
    with committed():
        message = phone.start_verification()

    message.refresh_from_db()
    assert message.status == Message.Status.UNKNOWN
    phone.refresh_from_db()
    assert phone.code_status == "live"
    assert phone.code_delivery.state == "unknown"
    assert isinstance(phone.code_request_refusal(), ResendTooSoon)
    assert list(Message.objects.verification_codes().handed_over()) == [message]


def test_owner_is_emailed_when_a_number_is_verified(phone, send_code, mailoutbox, committed):
    code = send_code(phone)
    with committed():
        phone.check_code(code)

    [mail] = mailoutbox
    assert mail.to == ["alice@example.com"]
    assert mail.subject == "[Phonebook] (206) 555-0101 was verified on your account"
    assert "It is now your primary number." in mail.body


def test_owner_is_emailed_when_a_verified_number_is_removed(
    user, mailoutbox, django_capture_on_commit_callbacks
):
    primary = PhoneNumberFactory(user=user, primary=True, number="+12065550101")
    PhoneNumberFactory(user=user, verified=True, number="+12065550102")
    with django_capture_on_commit_callbacks(execute=True):
        primary.remove()

    [mail] = mailoutbox
    assert mail.subject == "[Phonebook] (206) 555-0101 was removed from your account"
    assert "Your primary number is now (206) 555-0102." in mail.body


class TestTakeover:
    """Another account proves it owns a number verified here."""

    @pytest.fixture
    def earlier(self, other_user):
        taken = PhoneNumberFactory(user=other_user, primary=True, number="+12065550101")
        kept = PhoneNumberFactory(user=other_user, verified=True, number="+12065550177")
        PhoneNumberFactory(user=other_user, verified=True, number="+12065550178")  # younger
        return taken, kept

    @pytest.fixture
    def taken_over(self, earlier, phone, send_code, committed):
        code = send_code(phone)
        with committed():
            previous = phone.check_code(code)
        return previous

    def test_the_earlier_account_loses_verification_and_primary(self, earlier, taken_over):
        taken, _ = earlier
        assert taken_over == taken
        taken.refresh_from_db()
        assert not taken.is_verified and not taken.is_primary

    def test_the_earlier_accounts_oldest_remaining_verified_number_becomes_primary(
        self, earlier, taken_over
    ):
        _, kept = earlier
        kept.refresh_from_db()
        assert kept.is_primary

    def test_the_new_account_holds_the_verification(self, phone, taken_over):
        phone.refresh_from_db()
        assert phone.is_verified and phone.is_primary
        assert PhoneNumber.objects.verified().filter(number=phone.number).get() == phone

    def test_both_sides_are_recorded(self, earlier, phone, taken_over, other_user, user):
        taken, _ = earlier
        assert taken.events.get(kind=PhoneEvent.Kind.TAKEN_OVER).user == other_user
        verified = phone.events.get(kind=PhoneEvent.Kind.VERIFIED)
        assert verified.user == user
        assert verified.detail == "taken over from another account"

    def test_both_owners_are_emailed(self, taken_over, mailoutbox):
        mails = {mail.to[0]: mail for mail in mailoutbox}
        assert set(mails) == {"alice@example.com", "bob@example.com"}
        notice = mails["bob@example.com"]
        assert notice.subject == "[Phonebook] (206) 555-0101 was verified by another account"
        assert "no longer verified on your account" in notice.body
        assert "Your primary number is now (206) 555-0177." in notice.body
