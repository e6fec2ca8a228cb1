from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def manage(request):
    return render(request, "phones/manage.html", {})
