import re
from functools import reduce
from operator import or_

from django.db.models import Q

from .destinations import numbers_meant_by


class NumberSearchMixin:
    """Admin search that finds a phone number however staff write it: "(415) 555-2671",
    "415-555-2671", "+1 415 555 2671", "07911 123456" or a run of its digits.

    `number_search_fields` names the model's E.164 fields.
    """

    number_search_fields = ()

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        numbers = numbers_meant_by(search_term) if search_term else set()
        digits = re.sub(r"\D", "", search_term)
        conditions = [
            Q(**{f"{field}__in": numbers}) for field in self.number_search_fields if numbers
        ]
        if len(digits) >= 4 and digits == re.sub(r"[\s().+\-/]", "", search_term):
            conditions += [
                Q(**{f"{field}__contains": digits}) for field in self.number_search_fields
            ]
        if conditions:
            found = found | queryset.filter(reduce(or_, conditions))
        return found, may_have_duplicates
