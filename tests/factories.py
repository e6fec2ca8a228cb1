import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from phones.models import PhoneNumber


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Test"
    password = factory.PostGenerationMethodCall("set_password", "correct horse 42")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class PhoneNumberFactory(factory.django.DjangoModelFactory):
    """Numbers from the 555-01xx range, which phonenumbers accepts as valid US numbers."""

    class Meta:
        model = PhoneNumber

    user = factory.SubFactory(UserFactory)
    number = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    label = ""

    class Params:
        verified = factory.Trait(verified_at=factory.LazyFunction(timezone.now))
        primary = factory.Trait(verified_at=factory.LazyFunction(timezone.now), is_primary=True)


class MessageFactory(factory.django.DjangoModelFactory):
    """An outbound SMS (sms.Message); a test message to a verified number by default."""

    class Meta:
        model = "sms.Message"

    class Params:
        phone = factory.SubFactory(
            PhoneNumberFactory, user=factory.SelfAttribute("..user"), verified=True
        )

    user = factory.SubFactory(UserFactory)
    purpose = "test"
    to_number = factory.LazyAttribute(lambda m: m.phone.number)
    body = "Hello from the test suite"
    encoding = "GSM-7"
    segments = 1


MessageFactory = MessageFactory
