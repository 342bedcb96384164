from django.shortcuts import render
from django.urls import path

from bench.ceiling.models import Row


def rows(request):
    return render(request, "ceiling/rows.html", {"rows": Row.objects.filter(group=1)[:50]})


urlpatterns = [path("", rows)]
