"""Supervision: the supervisor's page, supervision sessions and their actions,
co-signing of notes, DIT session ratings and the rating form."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import (
    deny_not_found,
    fetch,
    reader_for,
    record_read,
    record_reads,
    visible,
)
from patternwork.accounts.models import Membership
from patternwork.clients.models import Client
from patternwork.clinic import caseload_rows
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.supervision import (
    ActionForm,
    CosignSettingForm,
    RatingForm,
    RubricForm,
    RubricItemFormSet,
    SupervisionSessionForm,
)
from patternwork.clinic.links import path_prefix
from patternwork.core.forms import add_service_errors
from patternwork.supervision import recordings, selectors
from patternwork.supervision import rubric as rubric_rules
from patternwork.supervision import services as supervision
from patternwork.supervision.models import SupervisionAction
from patternwork.treatment import selectors as treatment_selectors

Role = Membership.Role
CLINICIANS = (Role.THERAPIST, Role.SUPERVISOR)


def _not_found(request, object_type: str, public_id) -> Exception:
    return deny_not_found(
        user=request.user,
        membership=request.membership,
        object_type=object_type,
        object_id=str(public_id),
    )


@staff_view(Role.SUPERVISOR)
def supervisor_home(request):
    """Each supervisee's caseload and what needs the supervisor's attention."""
    summaries = selectors.supervisor_page(request.membership)
    reader = reader_for(request)
    record_reads(
        reader,
        [
            ([flag.client for s in summaries for flag in s.flags], "risk answer"),
            ([row.client for s in summaries for row in s.not_on_track], "not-on-track flag"),
        ],
    )
    return render(
        request,
        "clinic/supervision/supervisor_home.html",
        {
            "summaries": summaries,
            # Each supervisee's caseload table as dicts with their strings made once.
            "sections": [
                (summary, caseload_rows.course_rows(summary.rows, set())) for summary in summaries
            ],
            "course_path": path_prefix("clinic:course-detail"),
            # The list shows each session's date and links to it: its notes (encrypted)
            # and its supervisor are not read.
            "sessions": list(
                selectors.sessions_for(request.membership)
                .select_related(None)
                .only("public_id", "held_on")[:10]
            ),
        },
    )


def _session_form(request, data=None):
    membership = request.membership
    supervisees = selectors.supervisees_of(membership)
    clients = (
        visible(reader_for(request), Client)
        .filter(Q(therapist__in=supervisees) | Q(therapist=membership))
        .exclude(status=Client.Status.CLOSED)
        .order_by("full_name", "client_number")
    )
    return SupervisionSessionForm(data, supervisees=supervisees, clients=clients)


@staff_view(Role.SUPERVISOR)
def supervision_session_new(request):
    form = _session_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = supervision.record_supervision(
                supervisor=request.membership,
                held_on=form.cleaned_data["held_on"],
                supervisees=list(form.cleaned_data["supervisees"]),
                clients=list(form.cleaned_data["clients"]),
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Supervision session recorded. Add the actions agreed."))
            return redirect("clinic:supervision-session", public_id=session.public_id)
    return render(
        request,
        "clinic/supervision/session_new.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _session(request, public_id):
    found = selectors.sessions_for(request.membership).filter(public_id=public_id).first()
    if found is None:
        raise _not_found(request, "supervision.supervisionsession", public_id)
    return found


def _action_form(session, data=None):
    owners = Membership.objects.filter(
        Q(pk=session.supervisor_id) | Q(pk__in=session.supervisees.values("pk"))
    ).select_related("user")
    return ActionForm(data, owners=owners, clients=session.clients.all())


def _session_page(request, session, action_form=None, status=200):
    membership = request.membership
    is_supervisor = membership.pk == session.supervisor_id
    clients = selectors.clients_discussed(reader_for(request), session)
    if is_supervisor:
        # The notes may speak of every client discussed.
        record_read(reader_for(request), clients, "supervision notes")
    return render(
        request,
        "clinic/supervision/session_detail.html",
        {
            "session": session,
            "is_supervisor": is_supervisor,
            "supervisees": list(session.supervisees.select_related("user")),
            "clients": clients,
            "actions": list(selectors.session_actions(session, membership)),
            "action_form": (action_form or _action_form(session)) if is_supervisor else None,
        },
        status=status,
    )


@staff_view(*CLINICIANS)
def supervision_session(request, public_id):
    return _session_page(request, _session(request, public_id))


@staff_view(Role.SUPERVISOR)
@require_POST
def supervision_action_add(request, public_id):
    session = _session(request, public_id)
    if session.supervisor_id != request.membership.pk:
        raise _not_found(request, "supervision.supervisionsession", public_id)
    form = _action_form(session, request.POST)
    if form.is_valid():
        try:
            supervision.add_action(
                session=session,
                owner=form.cleaned_data["owner"],
                text=form.cleaned_data["text"],
                due_on=form.cleaned_data["due_on"],
                client=form.cleaned_data["client"],
                actor=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Action added."))
            return redirect("clinic:supervision-session", public_id=session.public_id)
    return _session_page(request, session, action_form=form, status=400)


@staff_view(*CLINICIANS)
@require_POST
def supervision_action_done(request, public_id):
    membership = request.membership
    action = (
        SupervisionAction.objects.filter(
            public_id=public_id, session__practice_id=membership.practice_id
        )
        .filter(Q(owner=membership) | Q(session__supervisor=membership))
        .first()
    )
    if action is None:
        raise _not_found(request, "supervision.supervisionaction", public_id)
    try:
        supervision.complete_action(action=action, actor=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Action marked done."))
    if request.POST.get("next") == "session":
        return redirect("clinic:supervision-session", public_id=action.session.public_id)
    return redirect("clinic:home")


def _therapist(request, public_id) -> Membership:
    """The therapist whose supervision page this is: the member themself, or a supervisee."""
    membership = request.membership
    if membership.public_id == public_id:
        return membership
    found = selectors.supervisees_of(membership).filter(public_id=public_id).first()
    if found is None:
        raise _not_found(request, "accounts.membership", public_id)
    return found


@staff_view(*CLINICIANS)
def therapist_supervision(request, public_id):
    """A therapist's supervision: open actions, sessions, notes waiting, ratings over time."""
    therapist = _therapist(request, public_id)
    reader = reader_for(request)
    ratings = selectors.ratings_of(reader, therapist)
    record_read(reader, [r.course.client for r in ratings], "session rating")
    return render(
        request,
        "clinic/supervision/therapist.html",
        {
            "therapist": therapist,
            "own_page": therapist.pk == request.membership.pk,
            "open_actions": list(selectors.open_actions_for(therapist, reader=request.membership)),
            "sessions": list(selectors.sessions_for(therapist)[:10]),
            "waiting": list(
                selectors.notes_waiting_cosign(reader).filter(course__therapist=therapist)
            ),
            "ratings": [(r, selectors.domain_means_of(r)) for r in ratings],
            "chart": selectors.ratings_chart(ratings),
            "domain_labels": {d.value: label for d, label in rubric_rules.DOMAIN_LABELS.items()},
        },
    )


@staff_view(Role.SUPERVISOR, Role.ADMIN)
@require_POST
def cosign_setting(request, public_id):
    membership = request.membership
    if membership.role == Role.ADMIN:
        therapist = Membership.objects.filter(
            practice_id=membership.practice_id, public_id=public_id
        ).first()
    else:
        therapist = selectors.supervisees_of(membership).filter(public_id=public_id).first()
    if therapist is None:
        raise _not_found(request, "accounts.membership", public_id)
    form = CosignSettingForm(request.POST)
    form.is_valid()
    required = form.cleaned_data.get("required", False)
    try:
        supervision.set_cosign_required(therapist=therapist, required=required, actor=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("%(name)s's signed notes now need co-signing.") % {"name": therapist.user.full_name}
            if required
            else _("%(name)s's notes no longer need co-signing.")
            % {"name": therapist.user.full_name},
        )
    if membership.role == Role.ADMIN:
        return redirect("clinic:staff-detail", public_id=therapist.public_id)
    return redirect("clinic:supervision")


@staff_view(Role.SUPERVISOR)
@require_POST
def note_cosign(request, public_id):
    appointment = fetch(reader_for(request), treatment_selectors.appointment_rows(), public_id)
    note = treatment_selectors.note_for(appointment)
    if note is None:
        messages.error(request, _("There is no note to co-sign."))
    else:
        try:
            supervision.cosign_note(note=note, actor=request.membership)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Note co-signed."))
    return redirect("clinic:appointment-detail", public_id=appointment.public_id)


def _rating_page(request, appointment, form, rating, status=200):
    return render(
        request,
        "clinic/supervision/rating.html",
        {
            "appointment": appointment,
            "course": appointment.course,
            "client": appointment.course.client,
            "form": form,
            "rating": rating,
            "means": selectors.domain_means_of(rating) if rating else {},
            "domain_labels": {d.value: label for d, label in rubric_rules.DOMAIN_LABELS.items()},
            "rubric_form": form.rubric if form is not None else (rating.rubric if rating else None),
            "competence_anchors": rubric_rules.COMPETENCE_ANCHORS,
            "frequency_anchors": rubric_rules.FREQUENCY_ANCHORS,
            "recordings": recordings.session_panel(request.membership, appointment),
        },
        status=status,
    )


@staff_view(*CLINICIANS, Role.ADMIN)
def session_rating(request, public_id):
    """The rating of a session: the supervisor rates it; the therapist reads it (and an
    admin, where the practice lets admins read clinical records)."""
    reader = reader_for(request)
    appointment = fetch(
        reader, treatment_selectors.appointment_rows(), public_id, reads="session rating"
    )
    rating = selectors.rating_rows().filter(appointment=appointment).first()
    if rating is not None:
        if request.method == "POST":
            messages.error(request, _("This session is already rated."))
        return _rating_page(request, appointment, None, rating)
    if not selectors.supervises(request.membership, appointment.course.therapist_id):
        return _rating_page(request, appointment, None, None)
    current = selectors.current_rubric(appointment.practice_id)
    if current is None or appointment.session_number is None:
        messages.error(
            request,
            _("Only an attended treatment session can be rated, on the practice's rating form."),
        )
        return redirect("clinic:appointment-detail", public_id=appointment.public_id)
    items = supervision.items_for_phase(current, supervision.rating_phase(appointment))
    form = RatingForm(request.POST or None, items=items)
    form.rubric = current
    if request.method == "POST" and form.is_valid():
        try:
            supervision.rate_session(
                appointment=appointment,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                actor=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Session rated. The therapist can now read the rating."))
            return redirect("clinic:session-rating", public_id=appointment.public_id)
    return _rating_page(request, appointment, form, None, status=400 if form.errors else 200)


@staff_view(Role.SUPERVISOR, Role.ADMIN)
def rubric_edit(request):
    """The practice's rating form; saving makes a new version."""
    current = selectors.current_rubric(request.membership.practice_id)
    if current is None:
        # Every practice gets the default form when it is created; this restores it for
        # one that somehow has none, on an explicit POST rather than on looking.
        if request.method == "POST":
            supervision.ensure_default_rubric(request.membership.practice, by=request.membership)
            return redirect("clinic:rubric")
        return render(request, "clinic/supervision/rubric.html", {"rubric": None})
    initial_items = [
        {"domain": i.domain, "text": i.text, "phases": list(i.phase_list)}
        for i in current.items.all()
    ]
    data = request.POST if request.method == "POST" else None
    form = RubricForm(
        data, initial={"version": current.version, "title": current.title, "source": current.source}
    )
    items = RubricItemFormSet(data, initial=initial_items, prefix="items")
    if data is not None and form.is_valid() and items.is_valid():
        try:
            supervision.revise_rubric(
                practice=request.membership.practice,
                expected_version=form.cleaned_data["version"],
                title=form.cleaned_data["title"],
                source=form.cleaned_data["source"],
                items=[
                    supervision.ItemValues(i["domain"], i["text"], tuple(i["phases"]))
                    for i in items.items()
                ],
                actor=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Rating form saved as a new version."))
            return redirect("clinic:rubric")
    return render(
        request,
        "clinic/supervision/rubric.html",
        {
            "rubric": current,
            "form": form,
            "items": items,
            "competence_anchors": rubric_rules.COMPETENCE_ANCHORS,
            "frequency_anchors": rubric_rules.FREQUENCY_ANCHORS,
        },
        status=400 if form.errors or items.errors or items.non_form_errors() else 200,
    )
