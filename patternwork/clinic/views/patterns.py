"""The pattern page, the practice's category set and category suggestions for episodes.

The pattern page turns the pure statistics into figures that each carry the episodes
behind them, numbered as listed at the foot of the page, so every figure can be traced
back to what the client said (docs/relationship-patterns.md).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from patternwork.accounts.access import PreparedRows, fetch, reader_for, require_role
from patternwork.accounts.models import Membership
from patternwork.clients.models import Client
from patternwork.clinic.decorators import is_htmx, staff_view
from patternwork.clinic.forms.patterns import CategoryAddForm, CategoryForm, SuggestForm
from patternwork.clinic.pattern_figures import PART_TITLES, PatternFigures
from patternwork.clinic.templatetags.course_tables import id_url
from patternwork.core.forms import add_service_errors
from patternwork.formulation import keywords, selectors, services, suggestions
from patternwork.formulation.models import Category

ADMIN = Membership.Role.ADMIN
# What clinic/partials/identity_banner.html shows of a client, for a page that reads no
# more of the record than the banner and its own reads need.
IDENTITY_BANNER_FIELDS = (
    "public_id",
    "client_number",
    "full_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "status",
)
# The pattern pages' client: what the identity banner shows and what the reads need (its
# practice's id), compiled once per shape of the reader's scope. Neither page shows the
# client's therapist or practice, nor any other of the record's many columns.
_PATTERN_CLIENTS = PreparedRows(
    lambda: Client.objects.only("id", "practice_id", *IDENTITY_BANNER_FIELDS)
)


@staff_view()
@require_GET
def pattern(request, public_id):
    client = fetch(reader_for(request), _PATTERN_CLIENTS, public_id, reads="relationship pattern")
    # The page shows the figures; the episodes behind one open on demand (pattern_evidence).
    page = PatternFigures(selectors.pattern_view(client, models=False)).page()
    return render(
        request,
        "clinic/patterns/pattern.html",
        {
            "client": client,
            "page": page,
            # Reversed once per process with a stand-in id, then the client's put in place.
            "evidence_url": id_url("clinic:pattern-evidence", client.public_id),
        },
    )


@staff_view()
@require_GET
def pattern_evidence(request, public_id):
    """The episodes behind one figure of the pattern page, named by the figure's key.

    The figures are rebuilt from the episodes, so the key can only name a figure the
    page itself shows (an unknown key is a 404); an htmx request gets the list to show
    in place, a plain one a page.
    """
    client = fetch(reader_for(request), _PATTERN_CLIENTS, public_id, reads="relationship pattern")
    # Without a key, the figure of all the client's episodes.
    key = request.GET.get("key") or "all"
    figures = PatternFigures(selectors.pattern_view(client))
    figure = figures.evidence(key)
    if figure is None:
        raise Http404(_("That figure is not on this client's pattern page."))
    items = {item.ref.anchor: item for item in figures.items}
    context = {
        "client": client,
        "figure": figure,
        "title": figure.text,
        "items": [items[ref.anchor] for ref in figure.refs],
    }
    if is_htmx(request):
        return render(request, "clinic/patterns/partials/evidence.html", context)
    return render(request, "clinic/patterns/evidence.html", context)


# The category set


def _category(request, public_id) -> Category:
    return fetch(reader_for(request), Category, public_id)


def _category_set_page(request, form, *, status=200):
    practice = request.membership.practice
    categories = selectors.categories_of(practice, include_retired=True)
    rows = [(c, ", ".join(keywords.parse_keywords(c.keywords))) for c in categories]
    parts = [
        {
            "part": part,
            "title": PART_TITLES[part],
            "active": [(c, w) for c, w in rows if c.part == part and c.retired_at is None],
            "retired": [(c, w) for c, w in rows if c.part == part and c.retired_at is not None],
        }
        for part in PART_TITLES
    ]
    return render(
        request,
        "clinic/patterns/category_set.html",
        {
            "parts": parts,
            "form": form,
            "can_edit": request.membership.role == ADMIN,
            # Only admins act on the set, so only they get the report of what an upgrade
            # of the default set moved; it names no client and no clinical text.
            "upgrades": (
                selectors.category_set_upgrades(practice)
                if request.membership.role == ADMIN
                else []
            ),
            "suggest_form": SuggestForm(auto_id="try_%s"),
        },
        status=status,
    )


@staff_view()
def category_set(request):
    """The practice's categories. Everyone may read them; admins change them."""
    is_admin = request.membership.role == ADMIN
    if request.method == "POST":
        require_role(request, ADMIN)
    if request.method != "POST":
        return _category_set_page(request, CategoryAddForm() if is_admin else None)
    form = CategoryAddForm(request.POST)
    if form.is_valid():
        try:
            category = services.add_category(
                practice=request.membership.practice,
                part=form.cleaned_data["part"],
                label=form.cleaned_data["label"],
                keywords=form.cleaned_data["keywords"],
                by=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("“%(label)s” added.") % {"label": category.label})
            return redirect("clinic:category-set")
    return _category_set_page(request, form, status=400)


@staff_view(ADMIN)
def category_edit(request, public_id):
    category = _category(request, public_id)
    title = category.label
    form = CategoryForm(
        request.POST or None, initial={"label": category.label, "keywords": category.keywords}
    )
    if request.method == "POST" and form.is_valid():
        if not form.changes(category):
            messages.info(request, _("Nothing changed."))
            return redirect("clinic:category-set")
        try:
            services.update_category(
                category=category,
                label=form.cleaned_data["label"],
                keywords=form.cleaned_data["keywords"],
                by=request.membership,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("“%(label)s” saved.") % {"label": category.label})
            return redirect("clinic:category-set")
    status = 400 if form.is_bound else 200
    return render(
        request,
        "clinic/patterns/category_edit.html",
        {"category": category, "title": title, "form": form},
        status=status,
    )


def _set_retired(request, public_id, *, retired: bool):
    category = _category(request, public_id)
    if (category.retired_at is not None) == retired:
        message = (
            _("“%(label)s” was already retired.")
            if retired
            else _("“%(label)s” is already offered.")
        )
        messages.info(request, message % {"label": category.label})
        return redirect("clinic:category-set")
    services.set_category_retired(category=category, retired=retired, by=request.membership)
    if retired:
        message = _(
            "“%(label)s” is retired: it stays on the episodes already coded with it "
            "but is no longer offered."
        )
    else:
        message = _("“%(label)s” is offered again.")
    messages.success(request, message % {"label": category.label})
    return redirect("clinic:category-set")


@staff_view(ADMIN)
@require_POST
def category_retire(request, public_id):
    return _set_retired(request, public_id, retired=True)


@staff_view(ADMIN)
@require_POST
def category_restore(request, public_id):
    return _set_retired(request, public_id, retired=False)


# Category suggestions


@staff_view()
@require_GET
def category_suggestions(request):
    """The part's active categories ranked for the text: the top three, each with the why.

    An htmx request gets the fragment for the episode form; its buttons tick a category
    only when clicked (app.js), and its hidden field tells the save what was shown. A
    plain request gets a page to try the suggestions out.
    """
    form = SuggestForm.from_query(request.GET) if request.GET else SuggestForm()
    found, status = None, 200
    if form.is_bound and form.is_valid():
        found = suggestions.suggest(
            reader_for(request),
            form.cleaned_data["part"],
            form.cleaned_data["text"],
            categories=selectors.categories_of(request.membership.practice),
        )
    elif form.is_bound:
        status = 400
    fragment = is_htmx(request)
    context = {
        "form": form,
        "part": form.cleaned_data.get("part", "") if form.is_bound else "",
        "suggestions": found,
        "searched": form.is_bound and status == 200 and bool(form.cleaned_data["text"].strip()),
        # The category page previews its keywords: there is no episode form to tick there.
        "buttons": fragment and request.GET.get("preview") != "1",
        "fragment": fragment,
    }
    template = (
        "clinic/patterns/partials/category_suggestions.html"
        if fragment
        else "clinic/patterns/category_suggest.html"
    )
    return render(request, template, context, status=status)
