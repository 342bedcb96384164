"""Form helpers shared by the staff UI and the portal."""

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: by field where it has one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, with an id too large for the database refused as invalid.

    Django checks each value with an exact lookup (which copes with any integer) and
    then fetches them all with an `__in` lookup, which SQLite's driver refuses with
    OverflowError for an integer beyond 64 bits.
    """

    def _check_values(self, value):
        try:
            return super()._check_values(value)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": "a number that large"},
            ) from None
