"""Practice closure days (bank holidays...), kept by admins; plans skip them."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts import services
from patternwork.accounts.models import ClosureDay, Membership
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.courses import ClosureDayForm
from patternwork.core.forms import add_service_errors


@staff_view(Membership.Role.ADMIN)
def closure_days(request):
    practice = request.membership.practice
    form = ClosureDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_closure_day(
                practice=practice,
                day=form.cleaned_data["date"],
                label=form.cleaned_data["label"],
                by=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Closure day added."))
            return redirect("clinic:closure-days")
    days = ClosureDay.objects.filter(practice=practice).order_by("date")
    return render(request, "clinic/closure_days.html", {"form": form, "days": days})


@staff_view(Membership.Role.ADMIN)
@require_POST
def closure_day_remove(request):
    form = ClosureDayForm(request.POST)
    day = form["date"].value()
    try:
        parsed = form.fields["date"].clean(day)
    except ValidationError:
        messages.error(request, _("That is not a date."))
    else:
        if services.remove_closure_day(
            practice=request.membership.practice, day=parsed, by=request.membership
        ):
            messages.success(request, _("Closure day removed."))
        else:
            messages.error(request, _("That day was not a closure day."))
    return redirect("clinic:closure-days")
