"""Recording an entry from a form: validated as you go, idempotent, conflict-aware.

Each form carries a hidden idempotency key made when the form was drawn and
the record's version at that moment.  A double click or a resubmitted form
sends the same key, and the service answers with the first result and writes
nothing; a record that moved on since the form was drawn is a conflict,
shown with a link to review the record.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from api.http.deps import ServiceDep
from api.pages.deps import PageActor, PostedForm
from api.pages.forms import (
    EntryForm,
    default_values,
    entry_form,
    errors_by_field,
    form_values,
    plain_problems,
    read_payload,
)
from api.pages.record import REFLECTABLE, STAFF_KINDS, STUDENT_KINDS, _as_export_event
from api.pages.web import PageRoute, redirect, render
from api.render.readable import readable_entries, summary
from api.store.preferences import AdviserDetails, PreferenceStore
from ledger.domain import access
from ledger.domain.errors import (
    FieldProblem,
    IdempotencyKeyReused,
    ValidationFailed,
    VersionConflict,
)
from ledger.domain.events import EVENT_CLASSES
from ledger.service.commands import History, parse_student_id

router = APIRouter(route_class=PageRoute)
PAGE_KINDS = frozenset(STAFF_KINDS + STUDENT_KINDS)
# The adviser's own details, retyped on every interview otherwise: remembered per user.
ADVISER_FIELDS = ("adviser_name", "adviser_qualification_level")
StudentPath = Annotated[str, Path(max_length=64)]
KindPath = Annotated[str, Path(max_length=40)]


def _form_for(kind: str) -> EntryForm:
    if kind not in PAGE_KINDS:
        reason = "is not an entry kind recorded from these pages"
        raise ValidationFailed(f"kind: {reason}", (FieldProblem("kind", reason),))
    return entry_form(kind)


def _context(
    history: History,
    form: EntryForm,
    *,
    today: str,
    values: dict[str, Any],
    key: str,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    conflict: bool = False,
) -> dict[str, Any]:
    readable = readable_entries(_as_export_event(e) for e in history.entries)
    person = next((r.data for r in readable if r.kind == "registration"), {})
    about = [
        (str(r.sequence), f"{r.occurred_on:%d %b %Y} \u2013 {summary(r)}"[:150])
        for r in reversed(readable)
        if r.kind in REFLECTABLE and r.live
    ]
    return {
        "form": form,
        "student_id": history.student_id,
        "name": f"{person.get('given_name', '')} {person.get('family_name', '')}".strip(),
        "version": history.version,
        "idempotency_key": key,
        "values": values,
        "errors": errors or {},
        "general": general or [],
        "labels": {f.name: f.label for f in form.fields},
        "conflict": conflict,
        "today": today,
        "about_options": about,
    }


@router.get("/students/{student_id}/record/{kind}", name="page_entry_form")
def entry_page(
    request: Request,
    actor: PageActor,
    service: ServiceDep,
    student_id: StudentPath,
    kind: KindPath,
    about: int | None = None,
) -> Response:
    """A blank form for one entry kind, with a fresh idempotency key."""
    form = _form_for(kind)
    access.check_append_kind(actor, kind)  # no form the role could not submit
    history = service.history(parse_student_id(student_id), actor=actor)
    today = service.clock.now().date().isoformat()
    values = default_values(form, today)
    if _asks_adviser(form):
        remembered = _preferences(request).adviser(actor.id)
        if remembered is not None:
            values["adviser_name"] = remembered.name or ""
            level = remembered.qualification_level
            values["adviser_qualification_level"] = "" if level is None else str(level)
    if about is not None:
        values["about_sequence"] = str(about)
    context = _context(history, form, today=today, values=values, key=str(uuid.uuid4()))
    return render(request, "entries/form.html", {**context, "nav": _nav(actor)})


@router.post("/students/{student_id}/record/{kind}", name="page_entry_submit")
def submit_entry(
    request: Request,
    actor: PageActor,
    service: ServiceDep,
    student_id: StudentPath,
    kind: KindPath,
    posted: PostedForm,
) -> Response:
    form = _form_for(kind)
    access.check_append_kind(actor, kind)
    student = parse_student_id(student_id)
    key = str(posted.get("idempotency_key") or "")
    expected = _expected_version(posted)
    payload = read_payload(form, posted)
    try:
        if not key:
            raise ValidationFailed(
                "idempotency_key: missing; reload the form",
                (FieldProblem("form", "this form is incomplete; reload it and try again"),),
            )
        result = service.record(
            student,
            kind,
            payload,
            idempotency_key=key,
            expected_version=expected,
            actor=actor,
        )
    except VersionConflict:
        return _again(request, actor, service, student, form, posted, key, 409, conflict=True)
    except IdempotencyKeyReused:
        general = [
            "This form was already used to record a different entry, so nothing was saved. "
            "Check the values below and submit again."
        ]
        fresh = str(uuid.uuid4())
        return _again(request, actor, service, student, form, posted, fresh, 422, general=general)
    except ValidationFailed as exc:
        # The same refusals, read from pydantic's type codes rather than its English.
        problems = (plain_problems(form, payload) if key else ()) or exc.problems
        errors, general = errors_by_field(form, problems)
        if not errors and not general:
            general = [exc.detail]
        return _again(
            request,
            actor,
            service,
            student,
            form,
            posted,
            key,
            422,
            errors=errors,
            general=general,
            keep_version=expected,
        )
    if _asks_adviser(form):
        _remember_adviser(request, actor.id, form, payload)
    suffix = "&replayed=1" if result.replayed else ""
    return redirect(f"/students/{student}?recorded={result.sequence}{suffix}#recorded")


def _asks_adviser(form: EntryForm) -> bool:
    return set(ADVISER_FIELDS) <= form.field_names()


def _preferences(request: Request) -> PreferenceStore:
    store: PreferenceStore | None = getattr(request.app.state, "page_preferences", None)
    if store is None:
        store = PreferenceStore(request.app.state.ledger.engine)
        request.app.state.page_preferences = store
    return store


def _remember_adviser(request: Request, actor_id: str, form: EntryForm, payload: Any) -> None:
    """Keep the adviser's details as the ledger stored them (trimmed, a whole number)."""
    stored = EVENT_CLASSES[form.kind].PAYLOAD.model_validate(payload)
    level = getattr(stored, "adviser_qualification_level", None)
    details = AdviserDetails(getattr(stored, "adviser_name", None), level)
    _preferences(request).remember_adviser(actor_id, details)


def _expected_version(posted: FormData) -> int | None:
    raw = str(posted.get("expected_version") or "")
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


def _again(
    request: Request,
    actor: Any,
    service: Any,
    student: UUID,
    form: EntryForm,
    posted: FormData,
    key: str,
    status: int,
    *,
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    conflict: bool = False,
    keep_version: int | None = None,
) -> Response:
    """The form again with what was typed: errors next to fields, or the conflict."""
    history = service.history(student, actor=actor)
    today = service.clock.now().date().isoformat()
    context = _context(
        history,
        form,
        today=today,
        values=form_values(form, posted),
        key=key,
        errors=errors,
        general=general,
        conflict=conflict,
    )
    if keep_version is not None:
        # A refused entry keeps the version the form was drawn at: fixing a typo
        # must not hide a change someone else made meanwhile.
        context["version"] = keep_version
    return render(request, "entries/form.html", {**context, "nav": _nav(actor)}, status=status)


def _nav(actor: Any) -> str:
    return "record" if actor.role.value == "student" else "students"
