"""Who may see what, and the record of who saw it.

Every read of a client's data goes through here: `fetch` (one object by its public id)
and `visible` (a list) apply the practice, role and caseload scope that the model
declares once (`access_scope`, a `Scope`), and every response that shows a client's
clinical content records one access event per client and request (`record_read`),
whoever reads it, the treating therapist included.

Rules:
- a practice is the tenant: nothing crosses practices, and another practice's object
  is a 404, never a 403, so its existence does not leak;
- a therapist sees the clients assigned to them;
- a supervisor sees their supervisees' clients (and any assigned to themselves);
- an admin manages staff and practice settings, and reads clinical records only where
  the practice allows it (every such read is audited by the selector that makes it);
- a referral nobody has accepted yet (new, contacted, declined) belongs to no caseload:
  only the practice's triage sees it, that is its admins, and its therapists and
  supervisors too where the practice makes them triage (`clinicians_triage_referrals`).
  Once accepted, a referral is seen by those who may see its client, like the record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Model, Q, QuerySet
from django.http import Http404

from patternwork.accounts.models import Membership
from patternwork.accounts.practices import practice_of
from patternwork.audit.models import AuditEvent
from patternwork.audit.services import batched, record, record_many
from patternwork.core.prepared import PreparedRead, PreparedShapes, placeholders

Role = Membership.Role


# `supervisees.values_list("pk")` of a supervisor, read on each of their requests: the
# related manager's query compiled once (a stand-in member whose id is the argument).
_SUPERVISEES = PreparedRead(lambda pk: Membership(pk=pk).supervisees.values_list("pk"), int)


def record_scope(membership: Membership) -> list[int] | None:
    """Membership ids of the therapists whose clients' records this member may see.

    None means every client of the practice (admins, who assign and manage clients).
    """
    if membership.role == Role.THERAPIST:
        return [membership.pk]
    if membership.role == Role.SUPERVISOR:
        # A page asks several times; the request's own membership (fresh each request,
        # marked by MembershipMiddleware) keeps the answer for the rest of the request.
        cached = getattr(membership, "_request_record_scope", None)
        if cached is None:
            cached = [membership.pk, *(pk for (pk,) in _SUPERVISEES(membership.pk))]
            if getattr(membership, "per_request", False):
                membership._request_record_scope = cached
        return list(cached)
    return None


def clinical_scope(membership: Membership) -> list[int] | None:
    """Like record_scope, for clinical content (notes, episodes, letters).

    Admins read clinical content only where the practice allows it.
    """
    if membership.role == Role.ADMIN:
        return None if membership.practice.admins_read_clinical else []
    return record_scope(membership)


def may_read_clinical(membership: Membership, therapist_id: int) -> bool:
    """Whether the member may read the clinical content of a client of this therapist."""
    scope = clinical_scope(membership)
    return scope is None or therapist_id in scope


def may_triage(membership: Membership) -> bool:
    """Whether the member sees and decides referrals that belong to no caseload yet."""
    if membership.role == Role.ADMIN:
        return True
    return membership.role in Membership.CLINICIAN_ROLES and (
        membership.practice.clinicians_triage_referrals
    )


def require_triage(request) -> None:
    """Refuse (403, audited) a member who is not part of the practice's referral triage."""
    if may_triage(request.membership):
        return
    require_role(request, Role.ADMIN)


def scope_filter(scope: list[int] | None, field: str = "therapist_id") -> Q:
    """A filter for a queryset of objects carrying a therapist foreign key."""
    if scope is None:
        return Q()
    return Q(**{f"{field}__in": scope})


def deny_not_found(
    *, user, membership, object_type: str, object_id: str = "", practice=None
) -> Http404:
    """Audit a refused read of an object outside the user's scope; return the 404 to raise.

    `practice` names a client reader's practice (a client has no membership); without
    it, a reader who is no member is attributed to the practice their account belongs to
    (a client's login reaching for a staff page).
    """
    role = membership.role if membership else (CLIENT_ROLE if practice else "")
    if membership is None and practice is None and getattr(user, "is_authenticated", False):
        # The request's memberships as MembershipMiddleware read them, where it did.
        practice = practice_of(user, memberships=getattr(user, "read_memberships", None))
    record(
        action="access.denied",
        actor=user,
        actor_role=role,
        practice=membership.practice if membership else practice,
        outcome=AuditEvent.Outcome.DENIED,
        object_type=object_type,
        object_id=str(object_id),
    )
    return Http404("Not found.")


def require_role(request, *roles: str) -> None:
    """Refuse (403, audited) a member whose role is not one of `roles`."""
    membership = request.membership
    if membership.role in roles:
        return
    record(
        action="access.denied",
        actor=request.user,
        actor_role=membership.role,
        practice=membership.practice,
        outcome=AuditEvent.Outcome.DENIED,
        object_type="page",
        object_id=request.path[:64],
    )
    raise PermissionDenied("Your role does not allow this.")


CLIENT_ROLE = "client"
READ_ACTION = "record.read"


@dataclass(frozen=True)
class Scope:
    """How a model's rows are scoped, declared once on the model as `access_scope`.

    `therapist`: the path to the treating therapist's membership id ("" for practice-wide
    reference data such as the category set); `client`: the path to the client ("" for
    the client record itself, None when the row is not a client's); `clinical`: the rows
    are clinical content, so the clinical scope applies and every read is recorded;
    `kind`: what a read is recorded as; `unassigned`: the path that is empty while the
    row belongs to no caseload yet (a referral's client), which triage sees.
    """

    therapist: str
    client: str | None
    clinical: bool
    kind: str
    unassigned: str = ""

    def client_field(self, name: str) -> str:
        return f"{self.client}__{name}" if self.client else name


@dataclass
class Reader:
    """Who is reading, for one request: a staff member, or a client in their portal.

    `seen` keeps the clients whose read this request has already recorded, so a page
    that shows several parts of one record writes one event.
    """

    user: object
    membership: Membership | None = None
    client: object | None = None
    seen: set = field(default_factory=set)

    @property
    def role(self) -> str:
        return self.membership.role if self.membership is not None else CLIENT_ROLE

    @property
    def practice(self):
        return self.membership.practice if self.membership is not None else self.client.practice


def reader_for(request) -> Reader:
    """The request's reader, made once per request."""
    reader = getattr(request, "_patternwork_reader", None)
    if reader is None:
        reader = Reader(
            user=request.user,
            membership=getattr(request, "membership", None),
            client=getattr(request, "client", None),
        )
        request._patternwork_reader = reader
    return reader


def scope_of(model: type[Model]) -> Scope:
    try:
        return model.access_scope
    except AttributeError:
        raise TypeError(f"{model.__name__} declares no access_scope") from None


def visible(
    reader: Reader | Membership, rows: QuerySet | type[Model], *, clinical: bool = False
) -> QuerySet:
    """The rows the reader may see: their practice, and the caseload their role allows.

    Staff: the record scope (treating therapist, their supervisor, admins), or for
    clinical content the clinical scope (admins only where the practice allows it).
    A client: only rows of their own record. `clinical` applies the clinical scope to
    rows that are not clinical themselves but are read for clinical content (a course
    read for its pattern or its letter).
    """
    membership = reader if isinstance(reader, Membership) else reader.membership
    queryset = rows if isinstance(rows, QuerySet) else rows.objects.all()
    scope = scope_of(queryset.model)
    if membership is None:
        if reader.client is None or scope.client is None:
            return queryset.none()
        return queryset.filter(**{scope.client_field("id"): reader.client.pk})
    allowed, triage = _staff_scope(membership, scope, clinical=clinical)
    return _scoped(queryset, scope, membership.practice_id, allowed, triage=triage)


def _staff_scope(
    membership: Membership, scope: Scope, *, clinical: bool
) -> tuple[list[int] | None, bool]:
    """The therapists whose rows a staff member sees (None: all of the practice), and
    whether they see the unassigned rows as triage."""
    if not scope.therapist:
        return None, False
    allowed = clinical_scope(membership) if scope.clinical or clinical else record_scope(membership)
    return allowed, bool(scope.unassigned) and may_triage(membership)


def _scoped(
    queryset: QuerySet, scope: Scope, practice_id, allowed: list | None, *, triage: bool
) -> QuerySet:
    """A staff member's rows: their practice's, in the caseload scope `_staff_scope` gave."""
    queryset = queryset.filter(practice_id=practice_id)
    if not scope.therapist:
        return queryset
    rows_filter = scope_filter(allowed, scope.therapist)
    if scope.unassigned:
        # Assigned rows follow the caseload scope; unassigned rows are triage's alone.
        assigned = Q(**{f"{scope.unassigned}__isnull": False}) & rows_filter
        if triage:
            return queryset.filter(assigned | Q(**{f"{scope.unassigned}__isnull": True}))
        return queryset.filter(assigned)
    return queryset.filter(rows_filter)


class PreparedVisible:
    """`visible(reader, build(*args))` for a read a page makes on every request, the one
    way a scoped read is compiled once: its query is compiled once per shape of the
    reader's scope (a staff member's: how many therapists it names, or all of the
    practice; clinical or not; triage or not. A client's: their own rows) and then run
    with the reader's own values and the call's arguments (`core.prepared.PreparedRead`,
    one placeholder per argument kind). Same filters, same rows; only the building is
    not repeated, and the number of compiled statements follows the shapes, never the
    number of staff or clients.

    `build` returns the rows before the scope (select_related, only, annotations,
    ordering, a slice and values_list allowed). `then`, if given, turns the scoped rows
    into the read that is run, for a read of other rows by the scoped ones (the
    sessions missing questionnaires of the caseload's courses, as a subquery).
    `rows()` gives model instances, a call the tuples of a values-list read.
    """

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *kinds: type,
        then: Callable[[QuerySet], QuerySet] | None = None,
    ) -> None:
        self._build = build
        self._kinds = kinds
        self._then = then
        self._reads: PreparedShapes | None = None
        self._scope: Scope | None = None

    @property
    def model(self) -> type[Model]:
        return self._build(*placeholders(*self._kinds)).model

    def rows(self, reader: Reader | Membership, *args, clinical: bool = False) -> list[Model]:
        """The model instances the reader may see."""
        read, values = self._read(reader, clinical)
        return [] if read is None else read.rows(*values, *args)

    def __call__(self, reader: Reader | Membership, *args, clinical: bool = False) -> list[tuple]:
        """The rows of a values-list read the reader may see, as tuples."""
        read, values = self._read(reader, clinical)
        return [] if read is None else read(*values, *args)

    def _read(
        self, reader: Reader | Membership, clinical: bool
    ) -> tuple[PreparedRead | None, list]:
        """The read compiled for the shape of this reader's scope, and the reader's values
        for its placeholders (None: the scope matches nothing, so nothing is run)."""
        scope = self._scope
        if scope is None:
            scope = self._scope = scope_of(self.model)
        membership = reader if isinstance(reader, Membership) else reader.membership
        if membership is None:
            # A client in their portal: only rows of their own record.
            if reader.client is None or scope.client is None:
                return None, []
            shape: tuple = ("client",)
            values = [reader.client.pk]
        else:
            allowed, triage = _staff_scope(membership, scope, clinical=clinical)
            if allowed == [] and not triage:
                # No therapist's rows: the ORM's filter on an empty list matches nothing.
                return None, []
            shape = (clinical, None if allowed is None else len(allowed), triage)
            values = [membership.practice_id, *(allowed or ())]
        reads = self._reads
        if reads is None:
            reads = self._reads = PreparedShapes(lambda shape: self._prepare(scope, shape))
        return reads[shape], values

    def _prepare(self, scope: Scope, shape: tuple) -> PreparedRead:
        if shape == ("client",):
            count = 0

            def scoped(rows, client_id, _allowed):
                return rows.filter(**{scope.client_field("id"): client_id})

        else:
            _clinical, count, triage = shape
            count = count or 0

            def scoped(rows, practice_id, allowed):
                return _scoped(
                    rows, scope, practice_id, None if shape[1] is None else allowed, triage=triage
                )

        def build(first, *rest):
            allowed, args = rest[:count], rest[count:]
            rows = self._build(*args)
            # The scope's filters go before any slice, as visible() puts them.
            sliced = rows.query.low_mark, rows.query.high_mark
            if sliced != (0, None):
                rows = rows._chain()
                rows.query.clear_limits()
            rows = scoped(rows, first, allowed)
            if sliced != (0, None):
                rows = rows[sliced[0] : sliced[1]]
            return rows if self._then is None else self._then(rows)

        return PreparedRead(build, int, *([int] * count), *self._kinds)


class PreparedRows:
    """Rows a page fetches by public id on every request, for `fetch`: `visible`'s
    query compiled once per shape of the reader's scope (`PreparedVisible`), with the
    same annotation of the client's public id. Same rows, same 404 and recorded read.
    `build` returns the unfiltered rows (select_related, defer and annotations allowed).
    """

    def __init__(self, build: Callable[[], QuerySet]) -> None:
        self._build = build
        self._read = PreparedVisible(self._by_public_id, UUID)

    def _by_public_id(self, public_id) -> QuerySet:
        rows = self._build()
        scope = scope_of(rows.model)
        if scope.client is not None:
            rows = rows.annotate(_reader_client=F(scope.client_field("public_id")))
        return rows.filter(public_id=public_id)

    def queryset(self) -> QuerySet:
        return self._build()

    def get(self, membership: Membership, public_id, *, clinical: bool) -> Model | None:
        """The row, or None where the reader may not see it or there is none."""
        try:
            public_id = public_id if isinstance(public_id, UUID) else UUID(str(public_id))
        except ValueError:
            return None
        found = self._read.rows(membership, public_id, clinical=clinical)
        return found[0] if found else None


def fetch(
    reader: Reader, rows: QuerySet | type[Model], public_id, *, reads: str | None = None
) -> Model:
    """One row the reader may see, by public id; anything else is an audited 404.

    A clinical row, or any row fetched with `reads` (the kind of clinical content the
    page shows from it, under the clinical scope), records the read of its client.
    """
    if isinstance(rows, PreparedRows) and reader.membership is not None:
        found = rows.get(reader.membership, public_id, clinical=reads is not None)
        model = rows.queryset().model if found is None else type(found)
    else:
        if isinstance(rows, PreparedRows):
            rows = rows.queryset()
        queryset = visible(reader, rows, clinical=reads is not None)
        model = queryset.model
        if scope_of(model).client is not None:
            queryset = queryset.annotate(
                _reader_client=F(scope_of(model).client_field("public_id"))
            )
        found = queryset.filter(public_id=public_id).first()
    scope = scope_of(model)
    if found is None:
        raise deny_not_found(
            user=reader.user,
            membership=reader.membership,
            practice=reader.practice if reader.client is not None else None,
            object_type=model._meta.label_lower,
            object_id=public_id,
        )
    kind = reads or (scope.kind if scope.clinical else None)
    if kind and scope.client is not None:
        record_read(reader, [found._reader_client], kind)
    return found


def record_read(reader: Reader, clients: Iterable, kind: str) -> None:
    """Record that the reader was shown clinical content of these clients (public ids or
    client rows), once per client and request, in one INSERT whatever their number."""
    ids = _unseen(reader, clients)
    if ids:
        _record_read(reader, ids, kind)


def record_reads(reader: Reader, reads: Iterable[tuple[Iterable, str]]) -> None:
    """`record_read` for each (clients, kind) a page shows, in one write: one transaction
    (on SQLite one synced commit) and one move of the audit chain's head, not one each."""
    pending = [(ids, kind) for clients, kind in reads if (ids := _unseen(reader, clients))]
    if not pending:
        return
    # No savepoint: an audit write that fails must fail the request that reads.
    with transaction.atomic(savepoint=False), batched():
        for ids, kind in pending:
            _record_read(reader, ids, kind)


def _unseen(reader: Reader, clients: Iterable) -> list[str]:
    """The public ids of these clients whose read this request has not recorded yet."""
    ids = []
    for client in clients:
        public_id = str(getattr(client, "public_id", client))
        if public_id not in reader.seen and public_id not in ids:
            ids.append(public_id)
    reader.seen.update(ids)
    return ids


def _record_read(reader: Reader, ids: list[str], kind: str) -> None:
    record_many(
        action=READ_ACTION,
        actor=reader.user,
        actor_role=reader.role,
        practice=reader.practice,
        object_type="clients.client",
        object_ids=ids,
        changes={"kind": kind},
    )
