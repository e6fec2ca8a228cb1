"""Views that answer htmx with a fragment and everyone else with the whole page (or a
redirect to it), as every app's views do: one definition for all of them."""

from django.views.decorators.vary import vary_on_headers


def fragment_or_page(view):
    """Decorate a view that answers both ways: caches keep the two answers apart (`Vary`
    on the headers wants_fragment() reads)."""
    return vary_on_headers("HX-Request", "HX-History-Restore-Request")(view)


def wants_fragment(request):
    """Whether to answer with the fragment: an htmx request, except htmx restoring history
    after a cache miss, which wants the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request
