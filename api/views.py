from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from .forms import TokenForm

PAGE = "api/tokens.html"


@login_required
@require_http_methods(["GET", "POST"])
@never_cache  # the answer to a POST shows a secret: no cache may keep it
def tokens(request):
    """The user's personal access tokens; POST creates one and shows its secret, once, in
    this answer (it is never stored, so it cannot be shown again)."""
    form = TokenForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        created, secret = form.save_for(request.user)
        form = TokenForm()
    context = {
        "form": form,
        "tokens": request.user.access_tokens.all(),
        "created": created,
        "secret": secret,
    }
    return render(request, PAGE, context)


@login_required
@require_POST
def revoke(request, pk):
    token = get_object_or_404(request.user.access_tokens, pk=pk)
    token.revoke()
    messages.success(request, f"Revoked “{token.name}”. It no longer works.")
    return redirect("api:tokens")
