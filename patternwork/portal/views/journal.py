"""The client's reflection journal: list, write, read and edit, share and unshare."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import fetch, reader_for, record_read
from patternwork.core.concurrency import StaleEdit
from patternwork.core.forms import add_service_errors
from patternwork.formulation import journal
from patternwork.formulation import journal_selectors as selectors
from patternwork.formulation import journal_services as services
from patternwork.portal.decorators import client_view
from patternwork.portal.forms.journal import JournalEntryForm

PAGE_SIZE = 50

SAVED = _("Saved. Only you can read this entry unless you share it.")
SAVED_SHARED = _("Saved. Your therapist will see the new version.")
SHARED = _("Shared with your therapist. They read shared entries at or before your next session.")
UNSHARED = _("This entry is private again. Only you can read it.")
CONFLICT = _(
    "This entry was changed somewhere else (perhaps in another window) while you were "
    "editing. Your text is kept below: copy what you need, reload to see the saved "
    "version, and save again."
)


def _context(request, **extra) -> dict:
    return {"practice": request.client.practice, **extra}


@client_view
def journal_list(request):
    client = request.client
    page = Paginator(selectors.entries_of_client(client), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(entry, selectors.excerpt(entry)) for entry in page]
    if rows:
        record_read(reader_for(request), [client], "journal")
    return render(
        request,
        "portal/journal/journal_list.html",
        _context(request, page=page, rows=rows, course=selectors.open_course_of(client)),
    )


@client_view
def journal_new(request):
    client = request.client
    course = selectors.open_course_of(client)
    if course is None:
        messages.error(request, services.NO_OPEN_COURSE)
        return redirect("portal:journal")
    form = JournalEntryForm(
        request.POST or None,
        agreed=selectors.agreed_pattern(course),
        initial={"written_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.write_entry(
                client=client,
                course=course,
                written_on=form.cleaned_data["written_on"],
                answers=form.answers(),
                body=form.cleaned_data["body"],
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, SAVED)
            return redirect("portal:journal-entry", public_id=entry.public_id)
    return render(
        request,
        "portal/journal/entry_form.html",
        _context(request, form=form),
        status=400 if form.errors else 200,
    )


def _entry(request, public_id):
    return fetch(reader_for(request), selectors.entries_of_client(request.client), public_id)


def _entry_page(request, entry, form=None, status=200):
    answers = selectors.answers_of(entry)
    editable = not entry.has_episode and entry.course.is_open
    if form is None and editable:
        form = JournalEntryForm(
            agreed=selectors.agreed_pattern(entry.course),
            initial=JournalEntryForm.initial_for(entry, answers),
        )
    return render(
        request,
        "portal/journal/entry_detail.html",
        _context(
            request,
            entry=entry,
            answered=journal.answered(answers, gettext),
            form=form if editable else None,
        ),
        status=status,
    )


@client_view
def journal_entry(request, public_id):
    entry = _entry(request, public_id)
    if request.method != "POST":
        return _entry_page(request, entry)
    form = JournalEntryForm(request.POST, agreed=selectors.agreed_pattern(entry.course))
    status = 400
    if form.is_valid():
        try:
            services.update_entry(
                entry=entry,
                written_on=form.cleaned_data["written_on"],
                answers=form.answers(),
                body=form.cleaned_data["body"],
                expected_version=form.cleaned_data.get("version"),
                user=request.user,
            )
        except StaleEdit:
            # Nothing was written; the client's own text stays in the bound form.
            form.add_error(None, CONFLICT)
            status = 409
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, SAVED_SHARED if entry.is_shared else SAVED)
            return redirect("portal:journal-entry", public_id=entry.public_id)
    if entry.has_episode or not entry.course.is_open:
        # The entry can no longer change, so the page shows no form: say why instead.
        reason = services.ENTRY_IN_RECORD if entry.has_episode else services.NO_OPEN_COURSE
        messages.error(request, reason)
        return _entry_page(request, entry, status=status)
    return _entry_page(request, entry, form=form, status=status)


@client_view
@require_POST
def journal_share(request, public_id):
    entry = _entry(request, public_id)
    try:
        services.share_entry(entry=entry, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, SHARED)
    return redirect("portal:journal-entry", public_id=entry.public_id)


@client_view
@require_POST
def journal_unshare(request, public_id):
    entry = _entry(request, public_id)
    try:
        services.unshare_entry(entry=entry, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, UNSHARED)
    return redirect("portal:journal-entry", public_id=entry.public_id)
