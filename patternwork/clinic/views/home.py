from django.shortcuts import render

from patternwork.clinic.decorators import staff_view


@staff_view()
def home(request):
    """The therapist's caseload: today's and this week's appointments and their clients."""
    return render(request, "clinic/caseload.html", {"clients": []})
