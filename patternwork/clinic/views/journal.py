"""The client's shared journal entries in the staff UI, and making an episode from one.

Staff only ever reach entries the client shared (a private entry is a 404 for
everyone), within the clinical scope.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import fetch, reader_for
from patternwork.accounts.models import Membership
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.journal import EpisodeFromEntryForm
from patternwork.core.forms import add_service_errors
from patternwork.formulation import journal
from patternwork.formulation import journal_selectors as selectors
from patternwork.formulation import journal_services as services
from patternwork.formulation import services as formulation_services
from patternwork.formulation.selectors import people_of
from patternwork.treatment.selectors import course_rows

Role = Membership.Role
CLINICIANS = (Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)
PAGE_SIZE = 50


@staff_view()
def journal_list(request, public_id):
    course = fetch(reader_for(request), course_rows(), public_id, reads="journal")
    page = Paginator(selectors.shared_entries_of_course(course), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "clinic/journal/journal_list.html",
        {
            "course": course,
            "client": course.client,
            "page": page,
            "rows": [(entry, selectors.excerpt(entry)) for entry in page],
        },
    )


def _entry(request, public_id):
    return fetch(reader_for(request), selectors.shared_entry_rows(), public_id)


def _entry_page(request, entry, form=None, status=200):
    can_make = (
        not entry.has_episode and entry.course.is_open and request.membership.role in CLINICIANS
    )
    if can_make and form is None:
        form = EpisodeFromEntryForm(people=people_of(entry.client))
    return render(
        request,
        "clinic/journal/entry_detail.html",
        {
            "entry": entry,
            "client": entry.client,
            "course": entry.course,
            "answered": journal.answered(selectors.answers_of(entry), gettext),
            "form": form if can_make else None,
        },
        status=status,
    )


@staff_view()
def journal_entry(request, public_id):
    return _entry_page(request, _entry(request, public_id))


@staff_view(*CLINICIANS)
@require_POST
def journal_to_episode(request, public_id):
    entry = _entry(request, public_id)
    form = EpisodeFromEntryForm(request.POST, people=people_of(entry.client))
    if form.is_valid():
        try:
            episode = services.episode_from_entry(
                entry=entry,
                person=form.person(),
                with_therapist=form.with_therapist(),
                when=form.cleaned_data["when"],
                new_person=form.new_person(),
                by=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Episode made from the journal entry and linked to it. Check the "
                    "account, then complete and code the three parts."
                ),
            )
            return redirect("clinic:episode-detail", public_id=episode.public_id)
    if entry.has_episode or not entry.course.is_open:
        # The page shows no form then: say why instead.
        messages.error(
            request,
            services.ALREADY_AN_EPISODE if entry.has_episode else formulation_services.COURSE_ENDED,
        )
    return _entry_page(request, entry, form=form, status=400)
