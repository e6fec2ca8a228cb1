"""Pages of a list, newest first, without counting the list."""

from dataclasses import dataclass

PAGE_SIZE = 25
# Beyond this the offset alone would make a page slow; nobody pages this far by hand.
MAX_PAGE = 400


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, its number (from 1) and whether an older page follows.

    Django's Paginator counts the whole list to say "page 3 of 400"; this reads only the
    page's rows and one more (to know whether there is a next page), so a page costs the
    same however long the list is. Offers the part of Django's Page API the templates use.
    """

    object_list: list
    number: int
    has_next: bool

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_other_pages(self):
        return self.has_previous or self.has_next

    @property
    def next_page_number(self):
        return self.number + 1

    @property
    def previous_page_number(self):
        return self.number - 1

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def page_of(rows, number, size=PAGE_SIZE):
    """Page `number` of `rows` (an ordered QuerySet): `number` as the URL gives it (a str,
    an int or None); anything that is not a page number from 1 to MAX_PAGE is page 1.
    A page past the end is empty, with a link back to newer ones."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = 1
    if not 1 <= number <= MAX_PAGE:
        number = 1
    found = list(rows[(number - 1) * size : number * size + 1])
    return Page(found[:size], number, len(found) > size)
