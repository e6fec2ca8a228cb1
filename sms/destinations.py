"""Where the site may send SMS: the rule checked when a number is added and again right
before every send, so a region turned off later (PHONE_ALLOWED_REGIONS) stops at once.
"""

import unicodedata

import phonenumbers
import pycountry
from django.conf import settings
from phonenumbers import PhoneNumberType

# Guernsey, Jersey and the Isle of Man are part of the UK's +44 numbering plan (Ofcom), and
# phonenumbers reports many ordinary UK mobiles, +44 7911 123456 among them, as theirs. So
# allowing GB allows them, and a UK site shows them in national format. Nothing else is
# folded in: Caribbean +1 numbers have their own regulators and international SMS rates
# (the SMS-pumping risk), so they need their own entry in PHONE_ALLOWED_REGIONS.
SAME_NUMBERING_PLAN_AS = {"GG": "GB", "JE": "GB", "IM": "GB"}

# Numbers that can receive our SMS. Anything else (landline, toll-free, premium-rate,
# shared-cost, UAN, voicemail, VoIP, pager, personal) is refused by name.
TEXTABLE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
TYPE_NAMES = {
    PhoneNumberType.FIXED_LINE: "a landline",
    PhoneNumberType.TOLL_FREE: "a toll-free",
    PhoneNumberType.PREMIUM_RATE: "a premium-rate",
    PhoneNumberType.SHARED_COST: "a shared-cost",
    PhoneNumberType.VOIP: "an internet (VoIP)",
    PhoneNumberType.PERSONAL_NUMBER: "a personal (follow-me)",
    PhoneNumberType.PAGER: "a pager",
    PhoneNumberType.UAN: "a company (UAN)",
    PhoneNumberType.VOICEMAIL: "a voicemail",
}


def numbering_region(number):
    """The ISO 3166 code of the numbering plan `number` (a phonenumbers.PhoneNumber) is in."""
    region = phonenumbers.region_code_for_number(number)
    return SAME_NUMBERING_PLAN_AS.get(region, region)


def display_number(number):
    """National format for numbers of the default region, international for the rest."""
    if numbering_region(number) == settings.PHONE_DEFAULT_REGION:
        return number.as_national
    return number.as_international


def region_name(region):
    """'United Kingdom' for 'GB'; the code itself for a region pycountry does not know."""
    # pycountry, not phonenumbers' geocoder: that one loads 100 MB of per-prefix place names.
    country = pycountry.countries.get(alpha_2=region)
    return getattr(country, "common_name", None) or getattr(country, "name", region)


def region_refusal(number):
    """Why SMS to `number` are turned off on this site (PHONE_ALLOWED_REGIONS), or ''."""
    region = numbering_region(number)
    if region in settings.PHONE_ALLOWED_REGIONS:
        return ""
    return f"SMS to {region_name(region)} are turned off on this site."


def type_refusal(number):
    """Why `number` cannot receive our SMS by its type (landline, premium-rate…), or ''."""
    kind = phonenumbers.number_type(number)
    if kind in TEXTABLE_TYPES:
        return ""
    return (
        f"This is {TYPE_NAMES.get(kind, 'an unknown kind of')} number, which cannot receive "
        "our text messages."
    )


def refusal(number):
    """Why nothing may be sent to `number` now, or '': the rule every send re-checks."""
    return region_refusal(number) or type_refusal(number)


# Dashes of every script (Unicode category Pd) and the minus signs people paste.
MINUS_SIGNS = {"\u2212", "\u2796", "\ufe63", "\uff0d"}


def fold_typed_number(text):
    """A number as typed or pasted, in the characters phonenumbers reads (str in, str out).

    Invisible formatting marks (Unicode category Cf: zero-width spaces, direction marks
    and embeddings that contacts apps wrap numbers in) are removed; compatibility forms
    (full-width digits, no-break spaces) become their plain forms (NFKC); every Unicode dash
    becomes "-", every space " ", every decimal digit of any script its ASCII digit.
    """
    folded = []
    for char in unicodedata.normalize("NFKC", text):
        if unicodedata.category(char) == "Cf":
            continue
        if unicodedata.category(char) == "Pd" or char in MINUS_SIGNS:
            folded.append("-")
        elif char.isspace():
            folded.append(" ")
        elif char.isdecimal():
            folded.append(str(unicodedata.decimal(char)))
        else:
            folded.append(char)
    return "".join(folded).strip()


def numbers_meant_by(text):
    """The E.164 numbers (strs) `text` may mean: as typed with +, or national in the
    default region or any allowed region. For finding a number however it is written."""
    folded = fold_typed_number(text)
    regions = dict.fromkeys([settings.PHONE_DEFAULT_REGION, *settings.PHONE_ALLOWED_REGIONS])
    found = set()
    for region in regions:
        try:
            number = phonenumbers.parse(folded, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            found.add(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    return found
