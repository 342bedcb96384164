"""The relationship map: the picture with a table beside it; adding, editing, archiving people.

Anyone who may read the client's clinical record sees the map; it can be changed in any
phase of the course, and after it, while the client record is active.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patternwork.accounts.access import PreparedRows, fetch, reader_for
from patternwork.clients.models import Client
from patternwork.clinic.decorators import staff_view
from patternwork.clinic.forms.relationship_map import (
    MAP_READ_ONLY,
    RELATIONSHIP_SUGGESTIONS,
    PersonForm,
    loaded_stamp,
    map_is_editable,
    person_initial,
)
from patternwork.core.concurrency import STALE_EDIT_MESSAGE
from patternwork.core.fast_widgets import unbound_fields
from patternwork.core.forms import add_service_errors
from patternwork.core.words import kept
from patternwork.formulation import mapdraw, selectors, services
from patternwork.formulation.models import Person

MAP_TEMPLATE = "clinic/relationship_map/relationship_map.html"
EDIT_TEMPLATE = "clinic/relationship_map/person_edit.html"
ERA_LABELS = dict(Person.Era.choices)
CONFLICT_STYLES = [(level, *style) for level, style in sorted(mapdraw.CONFLICT_STYLE.items())]


@dataclass(frozen=True)
class Row:
    """One person in the table, with their number and their place in the picture."""

    number: int
    person: Person
    node: mapdraw.Node | None  # None when the picture had no room for them
    # The person's era and contact as the table words them (their choices' labels).
    era: str = ""
    contact: str = ""
    edit_url: str = ""


@dataclass(frozen=True)
class SectorView:
    sector: mapdraw.Sector
    label: str
    rows: list[Row]


# The client whose map is shown, by public id within the reader's clinical scope: its
# query compiled once per shape of the scope (accounts.access.PreparedRows), and the
# client's own columns only, which are all the page and the add-someone service read.
_MAP_CLIENT = PreparedRows(lambda: Client.objects.all())

_ANY_ID = uuid.UUID(int=0)


def suggestion_words() -> tuple[str, ...]:
    """The relationship words the form suggests, translated once per language."""
    return kept(suggestion_words, lambda: tuple(str(w) for w in RELATIONSHIP_SUGGESTIONS))


FORM_FIELDS_TEMPLATE = "clinic/partials/form_fields.html"


def empty_form_fields(form: PersonForm) -> str | None:
    """The fields of an unbound form to add someone, written once per language: with no
    data, no errors and the same initial values, they are the same for every client (the
    client only decides whether the form is offered, and what the form accepts). None
    for a bound form, which the page writes with its values and errors."""
    return unbound_fields(form, FORM_FIELDS_TEMPLATE)


def _map_context(client: Client, form: PersonForm) -> dict:
    everyone = selectors.people_of(client, archived=True)
    people = {str(p.public_id): p for p in everyone if p.archived_at is None}
    drawing = mapdraw.draw_map(
        mapdraw.MapPerson(
            key=key,
            label=p.label,
            era=p.era,
            closeness=p.closeness,
            conflict=p.conflict,
            contact=p.contact,
        )
        for key, p in people.items()
    )
    nodes = {node.key: node for node in drawing.nodes}
    # Each choice's label translated once, not once per person: `get_era_display` makes
    # and hashes every label of the field each time it is called.
    eras = {value: str(label) for value, label in Person.Era.choices}
    contacts = {value: str(label) for value, label in Person.Contact.choices}
    # One person's edit link reversed, the others written from it: reverse() writes a
    # public id into the path as its text.
    edit_url = reverse("clinic:person-edit", args=[_ANY_ID])
    rows = []
    for number, key in enumerate(drawing.order, start=1):
        person = people[key]
        rows.append(
            Row(
                number,
                person,
                nodes.get(key),
                era=eras.get(person.era, person.era),
                contact=contacts.get(person.contact, person.contact),
                edit_url=edit_url.replace(str(_ANY_ID), str(person.public_id)),
            )
        )
    archived = sorted(
        (p for p in everyone if p.archived_at is not None),
        key=lambda p: p.archived_at,
        reverse=True,
    )
    return {
        "client": client,
        "drawing": drawing,
        "rows": rows,
        "sectors": [
            SectorView(s, eras[s.era], [r for r in rows if r.person.era == s.era])
            for s in drawing.sectors
        ],
        "unplaced": [r for r in rows if r.node is None],
        "archived": archived,
        # Each with their era as the list words it.
        "archived_rows": [(p, eras.get(p.era, p.era)) for p in archived],
        "editable": map_is_editable(client),
        "read_only": MAP_READ_ONLY,
        "form": form,
        "form_fields": empty_form_fields(form),
        "suggestions": suggestion_words(),
        "conflict_styles": CONFLICT_STYLES,
    }


@staff_view()
def relationship_map(request, public_id):
    client = fetch(reader_for(request), _MAP_CLIENT, public_id, reads="relationship map")
    form = PersonForm(request.POST or None, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.add_person(
                client=client, data=form.cleaned_data, by=request.membership
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(label)s is on the map.") % {"label": person.label})
            url = reverse("clinic:relationship-map", args=[client.public_id])
            return redirect(f"{url}#add-person")
    status = 400 if form.errors else 200
    return render(request, MAP_TEMPLATE, _map_context(client, form), status=status)


def _edit_page(request, person: Person, form: PersonForm, status: int = 200):
    context = {
        "client": person.client,
        "person": person,
        "form": form,
        "editable": map_is_editable(person.client),
        "read_only": MAP_READ_ONLY,
        "suggestions": RELATIONSHIP_SUGGESTIONS,
    }
    return render(request, EDIT_TEMPLATE, context, status=status)


@staff_view()
def person_edit(request, public_id):
    person = fetch(reader_for(request), selectors.person_rows(), public_id)
    form = PersonForm(request.POST or None, client=person.client, initial=person_initial(person))
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["loaded"] != loaded_stamp(person):
            form.add_error(None, STALE_EDIT_MESSAGE)
            return _edit_page(request, person, form, status=409)
        try:
            services.update_person(person=person, data=form.cleaned_data, by=request.membership)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            changed = form.has_changed()
            messages.success(request, _("Saved.") if changed else _("Nothing changed."))
            return redirect("clinic:relationship-map", public_id=person.client.public_id)
    return _edit_page(request, person, form, status=400 if form.errors else 200)


@staff_view()
@require_POST
def person_archive(request, public_id):
    person = fetch(reader_for(request), selectors.person_rows(), public_id)
    if not map_is_editable(person.client):
        # The page says why: the record is closed and the map is read-only.
        form = PersonForm(client=person.client, initial=person_initial(person))
        return _edit_page(request, person, form, status=409)
    services.archive_person(person=person, by=request.membership)
    messages.success(
        request,
        _("%(label)s is off the map. Episodes with them still name them.")
        % {"label": person.label},
    )
    return redirect("clinic:relationship-map", public_id=person.client.public_id)
