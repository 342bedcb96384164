from django import forms
from django.utils.translation import gettext_lazy as _

from patternwork.interop.caseload_file import MAX_BYTES

FILE_TOO_LARGE = _(
    "The file is larger than 2 MB. Split it into smaller files, keeping all the rows of one "
    "client in the same file."
)


class CaseloadUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Caseload file (CSV)"),
        help_text=_("UTF-8 CSV in the template's columns, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Checked before reading: a large upload is refused without loading it into memory.
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(FILE_TOO_LARGE)
        return upload
