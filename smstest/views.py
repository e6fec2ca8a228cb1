from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render


@login_required
def history(request):
    return render(request, "smstest/history.html", {})


@login_required
def dev_outbox(request):
    raise Http404
