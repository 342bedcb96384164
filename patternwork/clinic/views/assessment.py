"""The assessment record, readiness, goals and the decision; the waiting list and offers."""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import fetch, reader_for
from patternwork.accounts.models import Membership
from patternwork.accounts.selectors import active_clinicians
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.assessment import (
    AssessmentRecordForm,
    DecisionForm,
    GoalRatingForm,
    GoalsForm,
    OfferAnswerForm,
    OfferForm,
    PriorityForm,
    ReadinessForm,
)
from patternwork.core.concurrency import STALE_EDIT_MESSAGE, StaleEdit
from patternwork.core.forms import add_service_errors
from patternwork.formulation import services as formulation
from patternwork.treatment import scheduling, selectors, waiting_selectors
from patternwork.treatment.models import Assessment, Course, Offer
from patternwork.treatment.services import assessment as assessments
from patternwork.treatment.services import waiting

Role = Membership.Role
CLINICIANS = (Role.THERAPIST, Role.SUPERVISOR, Role.ADMIN)
RECORD_FIELDS = [name for name in AssessmentRecordForm.base_fields if name != "version"]


def _course(request, public_id):
    # The record is clinical: the clinical scope applies and the read is recorded.
    return fetch(reader_for(request), selectors.course_rows(), public_id, reads="assessment")


def _record(request, course):
    """The course's assessment record, opened on first use (with the course's assessment
    appointment). None, with a message, for an ended course that never had one."""
    try:
        return assessments.open_assessment(
            course=course,
            actor=request.membership,
            appointment=course.appointments.filter(kind="assessment").order_by("starts_at").first(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None


def _shown_record(request, course):
    """The record a GET shows: the stored one, or a blank one that the first save opens.

    A GET writes nothing, so looking at the page neither opens the record nor audits an
    opening. None, with a message, for an ended course that never had one."""
    stored = Assessment.objects.filter(course_id=course.pk).first()
    if stored is not None:
        return stored
    if course.state == Course.State.ENDED:
        messages.error(request, assessments.COURSE_ENDED)
        return None
    return Assessment(course=course, practice_id=course.practice_id)


def _back(course):
    return redirect("clinic:assessment-record", public_id=course.public_id)


def _page(request, course, record, **forms):
    goals = waiting_selectors.goal_lines(course)
    context = {
        "course": course,
        "client": course.client,
        "record": record,
        "record_form": AssessmentRecordForm(
            initial={**{n: getattr(record, n) for n in RECORD_FIELDS}, "version": record.version}
        ),
        "readiness_form": ReadinessForm(),
        "goals_form": GoalsForm(initial={f"goal_{g.goal.position}": g.goal.text for g in goals}),
        "rating_form": GoalRatingForm(goals=[line.goal for line in goals]),
        "decision_form": DecisionForm(
            initial={"decision": record.decision, "version": record.version}
        ),
        "goals": goals,
        "readiness": waiting_selectors.readiness_of(course),
        "entry": waiting_selectors.open_entry(course),
        # An ended course's record is read, not written: its forms are not shown.
        "closed": course.state == Course.State.ENDED,
        **forms,
    }
    return render(request, "clinic/assessment/record.html", context, status=400 if forms else 200)


@staff_view(*CLINICIANS)
def assessment_record(request, public_id):
    course = _course(request, public_id)
    if request.method != "POST":
        shown = _shown_record(request, course)
        if shown is None:
            return redirect("clinic:course-detail", public_id=course.public_id)
        return _page(request, course, shown)
    record = _record(request, course)
    if record is None:
        return redirect("clinic:course-detail", public_id=course.public_id)
    form = AssessmentRecordForm(request.POST)
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in RECORD_FIELDS}
        try:
            assessments.save_assessment(
                assessment=record,
                data=data,
                expected_version=form.cleaned_data["version"],
                actor=request.membership,
            )
        except StaleEdit:
            form.add_error(None, STALE_EDIT_MESSAGE)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Assessment record saved."))
            return _back(course)
    return _page(request, course, record, record_form=form)


def _post_form(request, public_id, form_class, form_name, write, done, form_kwargs=None):
    """One of the record page's forms posted: open the record if need be, run the service
    write, and go back to the page, or show the page again with the form's errors."""
    course = _course(request, public_id)
    record = _record(request, course)
    if record is None:
        return redirect("clinic:course-detail", public_id=course.public_id)
    form = form_class(request.POST, **(form_kwargs(course) if form_kwargs else {}))
    if form.is_valid():
        try:
            write(course, record, form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return _back(course)
    return _page(request, course, record, **{form_name: form})


@require_POST
@staff_view(*CLINICIANS)
def assessment_readiness(request, public_id):
    return _post_form(
        request,
        public_id,
        ReadinessForm,
        "readiness_form",
        lambda course, record, form: assessments.record_readiness(
            course=course, actor=request.membership, **form.cleaned_data
        ),
        _("Readiness recorded."),
    )


@require_POST
@staff_view(*CLINICIANS)
def assessment_goals(request, public_id):
    return _post_form(
        request,
        public_id,
        GoalsForm,
        "goals_form",
        lambda course, record, form: assessments.set_goals(
            course=course, texts=form.texts(), actor=request.membership
        ),
        _("Goals saved."),
    )


@require_POST
@staff_view(*CLINICIANS)
def goal_ratings(request, public_id):
    return _post_form(
        request,
        public_id,
        GoalRatingForm,
        "rating_form",
        lambda course, record, form: assessments.rate_goals(
            course=course,
            occasion=form.cleaned_data["occasion"],
            scores=form.scores(),
            actor=request.membership,
        ),
        _("Goal ratings recorded."),
        form_kwargs=lambda course: {"goals": list(course.goals.all())},
    )


@require_POST
@staff_view(*CLINICIANS)
def assessment_decision(request, public_id):
    course = _course(request, public_id)
    record = _record(request, course)
    if record is None:
        return redirect("clinic:course-detail", public_id=course.public_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            assessments.decide(
                assessment=record,
                decision=form.cleaned_data["decision"],
                expected_version=form.cleaned_data["version"],
                actor=request.membership,
            )
        except StaleEdit:
            form.add_error(None, STALE_EDIT_MESSAGE)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Decision recorded."))
            return _back(course)
    return _page(request, course, record, decision_form=form)


@require_POST
@staff_view(*CLINICIANS)
def copy_relationships(request, public_id):
    course = _course(request, public_id)
    try:
        added = formulation.copy_brief_relationships(course=course, by=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(course)
    messages.success(
        request,
        _("%(count)s people added to the relationship map.") % {"count": len(added)},
    )
    return redirect("clinic:relationship-map", public_id=course.client.public_id)


@staff_view()
def waiting_list(request):
    rows = waiting_selectors.waiting_list(request.membership, timezone.localdate())
    return render(request, "clinic/assessment/waiting_list.html", {"rows": rows})


def _entry_or_404(course):
    entry = waiting_selectors.open_entry(course)
    if entry is None:
        raise Http404(_("This client is not on the waiting list."))
    return entry


@staff_view(Role.ADMIN)
def waiting_priority(request, public_id):
    course = fetch(reader_for(request), selectors.course_rows(), public_id)
    entry = _entry_or_404(course)
    form = PriorityForm(
        request.POST or None,
        initial={"priority": entry.priority, "priority_reason": entry.priority_reason},
    )
    if request.method == "POST" and form.is_valid():
        try:
            waiting.set_priority(
                entry=entry,
                priority=form.cleaned_data["priority"],
                reason=form.cleaned_data["priority_reason"],
                actor=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Priority saved."))
            return redirect("clinic:waiting-list")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "clinic/assessment/priority.html",
        {"course": course, "client": course.client, "entry": entry, "form": form},
        status=status,
    )


@staff_view(*CLINICIANS)
def waiting_offer(request, public_id):
    course = fetch(reader_for(request), selectors.course_rows(), public_id)
    entry = _entry_or_404(course)
    offer = waiting_selectors.open_offer(entry)
    form = OfferForm(
        request.POST or None,
        therapists=active_clinicians(course.practice).select_related("user"),
        initial={"therapist": course.therapist.public_id},
    )
    if request.method == "POST" and offer is None and form.is_valid():
        starts_at = datetime.combine(
            form.cleaned_data["date"],
            form.cleaned_data["time"],
            tzinfo=scheduling.zone(course.practice),
        )
        try:
            waiting.make_offer(
                entry=entry,
                therapist=form.cleaned_data["therapist"],
                starts_at=starts_at,
                actor=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Offer made."))
            return redirect("clinic:waiting-offer", public_id=course.public_id)
    return render(
        request,
        "clinic/assessment/offer.html",
        {
            "course": course,
            "client": course.client,
            "entry": entry,
            "offer": offer,
            "form": form,
            "answer_form": OfferAnswerForm(),
        },
        status=400 if form.is_bound else 200,
    )


@require_POST
@staff_view(*CLINICIANS)
def offer_answer(request, public_id):
    offer = fetch(
        reader_for(request),
        Offer.objects.select_related("entry__course"),
        public_id,
    )
    form = OfferAnswerForm(request.POST)
    course = offer.entry.course
    if not form.is_valid():
        messages.error(request, _("Choose whether the client accepted or declined."))
        return redirect("clinic:waiting-offer", public_id=course.public_id)
    try:
        waiting.answer_offer(
            offer=offer,
            accept=form.cleaned_data["answer"] == "accept",
            user=request.user,
            role=request.membership.role,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        if waiting_selectors.open_entry(course) is None:
            return redirect("clinic:course-detail", public_id=course.public_id)
        return redirect("clinic:waiting-offer", public_id=course.public_id)
    messages.success(request, _("Answer recorded."))
    if form.cleaned_data["answer"] == "accept":
        return redirect("clinic:course-detail", public_id=course.public_id)
    return redirect("clinic:waiting-list")
