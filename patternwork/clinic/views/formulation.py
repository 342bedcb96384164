"""Relationship episodes and the IPAF in the staff UI."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import PreparedRows, fetch, reader_for
from patternwork.accounts.models import Membership
from patternwork.clients.selectors import client_rows
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.formulation import AgreeForm, EpisodeForm, IpafForm
from patternwork.clinic.views.patterns import IDENTITY_BANNER_FIELDS
from patternwork.core.fast_widgets import unbound_fields
from patternwork.core.forms import add_service_errors
from patternwork.formulation import ipaf_sharing, selectors, services
from patternwork.treatment import selectors as treatment_selectors
from patternwork.treatment.models import Course

FORM_FIELDS_TEMPLATE = "clinic/partials/form_fields.html"

Role = Membership.Role
CLINICIANS = (Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)
IPAF_FIELDS = services.IPAF_FIELDS
# The IPAF page's course, compiled once per shape of the reader's scope (the same rows,
# 404 and recorded read as fetch() on the queryset), not built on every request.
_IPAF_COURSE_ROWS = PreparedRows(treatment_selectors.course_rows)
# What the page itself reads of the course and its client (a save reads the whole course,
# above, for the service): the identity banner's fields and the course's state, not the
# therapist, the practice, the referral, nor the rest of the client's record.
_IPAF_PAGE_COURSES = PreparedRows(
    lambda: Course.objects.select_related("client").only(
        "id",
        "public_id",
        "client_id",
        "practice_id",
        "therapist_id",
        "state",
        "client__id",
        "client__practice_id",
        *[f"client__{field}" for field in IDENTITY_BANNER_FIELDS],
    )
)


def _episode_form(request, client, data=None, instance=None, initial=None):
    return EpisodeForm(
        data,
        instance=instance,
        initial=initial,
        people=selectors.people_of(client),
        categories=selectors.categories_of(client.practice),
    )


@staff_view()
def episode_list(request, public_id):
    client = fetch(reader_for(request), client_rows(), public_id, reads="relationship episodes")
    course = client.courses.exclude(state=Course.State.ENDED).first()
    return render(
        request,
        "clinic/formulation/episode_list.html",
        {"client": client, "course": course, "episodes": selectors.episodes_of(client)},
    )


@staff_view(*CLINICIANS)
def episode_new(request, public_id):
    course = fetch(
        reader_for(request),
        treatment_selectors.course_rows(),
        public_id,
        reads="relationship episodes",
    )
    appointment = None
    if request.GET.get("appointment") or request.POST.get("appointment"):
        key = request.POST.get("appointment") or request.GET.get("appointment")
        try:
            appointment = (
                treatment_selectors.appointments_for(request.membership)
                .filter(public_id=key, course=course)
                .first()
            )
        except ValidationError:
            appointment = None
        if appointment is None:
            raise Http404("Not found.")
    initial = {"when": "in_session" if request.GET.get("in_session") else "current"}
    form = _episode_form(request, course.client, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            episode = services.log_episode(
                course=course,
                data=form.data_for_service(),
                person=form.person(),
                with_therapist=form.with_therapist(),
                categories=form.categories(),
                appointment=appointment,
                shown=form.shown(),
                by=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Episode logged."))
            if appointment is not None:
                return redirect("clinic:appointment-detail", public_id=appointment.public_id)
            return redirect("clinic:episode-detail", public_id=episode.public_id)
    return render(
        request,
        "clinic/formulation/episode_form.html",
        {"client": course.client, "course": course, "form": form, "appointment": appointment},
        status=400 if form.errors else 200,
    )


@staff_view(*CLINICIANS)
def episode_detail(request, public_id):
    episode = fetch(reader_for(request), selectors.episodes_query(), public_id)
    form = _episode_form(request, episode.client, request.POST or None, instance=episode)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_episode(
                episode=episode,
                data=form.data_for_service(),
                person=form.person(),
                with_therapist=form.with_therapist(),
                categories=form.categories(),
                shown=form.shown(),
                by=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Episode saved."))
            return redirect("clinic:episode-detail", public_id=episode.public_id)
    return render(
        request,
        "clinic/formulation/episode_form.html",
        {"client": episode.client, "course": episode.course, "form": form, "episode": episode},
        status=400 if form.errors else 200,
    )


def _prefill(latest, pattern, *, use_suggestions: bool) -> dict:
    """Start from the latest version, or, when the therapist asks, from the suggestions.

    Suggestions are text to edit, never a formulation: they fill the form only on a
    click, and nothing is saved until the therapist saves. Either way the latest
    version's supporting episodes start ticked, so a new version keeps its evidence
    unless the therapist unticks it.
    """
    initial = {}
    if latest is not None:
        initial["episodes"] = [str(e.public_id) for e in latest.supporting_episodes.all()]
    if use_suggestions:
        suggestions = pattern.suggestions
        for field in ("self_representation", "other_representation", "linking_affects"):
            fragment = getattr(suggestions, field)
            if fragment is not None:
                initial[field] = fragment.text
    elif latest is not None:
        initial |= {field: getattr(latest, field) for field in IPAF_FIELDS}
    return initial


@staff_view()
def ipaf(request, public_id):
    rows = _IPAF_COURSE_ROWS if request.method == "POST" else _IPAF_PAGE_COURSES
    course = fetch(reader_for(request), rows, public_id, reads="IPAF")
    # The suggestions need the episodes' codes only; the form offers a bounded list of
    # the course's episodes (ipaf_episode_choices).
    pattern = selectors.ipaf_pattern(course.client)
    # The page links each version's evidence by its date: the episodes need no more.
    versions = selectors.ipaf_versions(course, evidence_in_full=False)
    cited = [e.pk for e in versions[0].supporting_episodes.all()] if versions else []
    # A save gives the service the episodes themselves; the page shows only their dates
    # and accounts, read as values.
    if request.method == "POST":
        episodes = selectors.ipaf_episode_choices(course, keep_ids=cited)
    else:
        episodes = selectors.ipaf_episode_choice_rows(course, keep_ids=cited)
    initial = _prefill(
        versions[0] if versions else None,
        pattern,
        use_suggestions=bool(request.GET.get("suggest")),
    )
    form = IpafForm(request.POST or None, initial=initial, episodes=episodes)
    if request.method == "POST":
        if request.membership.role not in CLINICIANS:
            raise Http404("Not found.")
        if form.is_valid():
            try:
                version = services.save_ipaf(
                    course=course,
                    data=form.cleaned_data,
                    episodes=form.supporting(),
                    by=request.membership,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Saved as version %(n)s.") % {"n": version.number})
                return redirect("clinic:ipaf", public_id=course.public_id)
    agree_form = AgreeForm()
    return render(
        request,
        "clinic/formulation/ipaf.html",
        {
            "course": course,
            "client": course.client,
            "form": form,
            "versions": versions,
            "agreed": next((v for v in versions if v.agreed_on), None),
            "pattern": pattern,
            "agree_form": agree_form,
            # The same empty fields under every version not yet agreed: written once
            # (keyed by the form, since other pages keep other forms' fields), when the
            # page first shows them.
            "agree_fields": partial(unbound_fields, agree_form, FORM_FIELDS_TEMPLATE, AgreeForm),
        },
        status=400 if form.errors else 200,
    )


@staff_view()
def ipaf_compare(request, public_id):
    course = fetch(reader_for(request), treatment_selectors.course_rows(), public_id, reads="IPAF")
    versions = {str(v.public_id): v for v in selectors.ipaf_versions(course)}
    left = versions.get(request.GET.get("a", ""))
    right = versions.get(request.GET.get("b", ""))
    if left is None or right is None:
        ordered = sorted(versions.values(), key=lambda v: v.number)
        if len(ordered) < 2:
            messages.info(request, _("There is only one version so far."))
            return redirect("clinic:ipaf", public_id=course.public_id)
        left, right = ordered[-2], ordered[-1]
    return render(
        request,
        "clinic/formulation/ipaf_compare.html",
        {
            "course": course,
            "client": course.client,
            "comparison": selectors.ipaf_comparison(left, right),
        },
    )


@staff_view(*CLINICIANS)
@require_POST
def ipaf_agree(request, public_id):
    version = fetch(reader_for(request), selectors.ipaf_rows(), public_id)
    form = AgreeForm(request.POST)
    if form.is_valid():
        try:
            services.mark_ipaf_agreed(
                version=version, agreed_on=form.cleaned_data["agreed_on"], by=request.membership
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("Version %(n)s is recorded as agreed with the client.") % {"n": version.number},
            )
    else:
        messages.error(request, _("Enter the date it was agreed."))
    return redirect("clinic:ipaf", public_id=version.course.public_id)


@staff_view(*CLINICIANS)
@require_POST
def ipaf_share(request, public_id):
    version = fetch(reader_for(request), selectors.ipaf_rows(), public_id)
    try:
        ipaf_sharing.share_ipaf(version=version, by=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "Version %(n)s is shared with the client on the portal. They can read it, "
                "answer in their own words or agree to it."
            )
            % {"n": version.number},
        )
    return redirect("clinic:ipaf", public_id=version.course.public_id)
