import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.accounts.models import Membership
from patternwork.core import fast_widgets

# Reports cover real service years; anything outside is a typing slip, and the far ends
# of the calendar would overflow the date arithmetic of the period.
EARLIEST = dt.date(1990, 1, 1)
LATEST = dt.date(2100, 12, 31)
DATE_OUT_OF_RANGE = _("Enter a date between %(earliest)s and %(latest)s.")
END_BEFORE_START = _("The end date is before the start date.")


def therapist_label(full_name: str, is_active: bool) -> str:
    if is_active:
        return full_name
    return _("%(name)s (no longer active)") % {"name": full_name}


class TherapistChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return therapist_label(obj.user.full_name, obj.is_active)


class ReportFilterForm(forms.Form):
    therapist = TherapistChoiceField(
        label=_("Therapist"),
        queryset=Membership.objects.none(),
        required=False,
        to_field_name="public_id",
    )
    ended_from = forms.DateField(
        label=_("Courses ended from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    ended_to = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, therapists, everyone_label, shown=None, **kwargs):
        """`therapists` are the members the field accepts (None for an unbound form,
        which validates nothing: it accepts nobody); `shown`, where given, the same
        members as (public id, full name, active) rows for the select to list, read
        without model instances (`reports.selectors.report_therapist_choices`)."""
        super().__init__(*args, **kwargs)
        # A select and two dates on every view of the report: written without templates.
        fast_widgets.speed_up(self)
        field = self.fields["therapist"]
        if therapists is not None:
            field.queryset = therapists
        field.empty_label = everyone_label
        if shown is not None:
            # The options the queryset's iterator would give, in its order.
            field.widget.choices = [("", everyone_label)] + [
                (str(public_id), therapist_label(name, active)) for public_id, name, active in shown
            ]

    def _in_range(self, name: str) -> dt.date | None:
        value = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                DATE_OUT_OF_RANGE,
                params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
            )
        return value

    def clean_ended_from(self) -> dt.date | None:
        return self._in_range("ended_from")

    def clean_ended_to(self) -> dt.date | None:
        return self._in_range("ended_to")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("ended_from"), cleaned.get("ended_to")
        if start and end and start > end:
            self.add_error("ended_to", END_BEFORE_START)
        return cleaned
