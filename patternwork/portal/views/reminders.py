"""The client's reminder setting: appointment reminders by email, on or off."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patternwork.messaging import services as messaging_services
from patternwork.portal.decorators import client_view


class ReminderForm(forms.Form):
    appointment_reminders = forms.BooleanField(
        label=gettext_lazy("Email me a reminder before each appointment"), required=False
    )


@client_view
def reminders(request):
    client = request.client
    # An unticked box posts nothing, so an empty POST is still a submitted form.
    form = ReminderForm(
        request.POST if request.method == "POST" else None,
        initial={"appointment_reminders": client.appointment_reminders},
    )
    if request.method == "POST" and form.is_valid():
        changed = messaging_services.set_reminder_preference(
            client=client, enabled=form.cleaned_data["appointment_reminders"], by=request.user
        )
        messages.success(request, _("Saved.") if changed else _("Nothing changed."))
        return redirect("portal:reminders")
    context = {
        "form": form,
        "practice": client.practice,
        "practice_sends": client.practice.send_appointment_reminders,
        "lead_hours": client.practice.reminder_lead_hours,
        "has_email": bool(client.email and client.contact_by_email),
    }
    return render(request, "portal/client/reminders.html", context)
