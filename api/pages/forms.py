"""Entry forms built from the payload models, so a page validates what the ledger does.

Each field's HTML constraints (required, lengths, ranges, steps, choices)
come from the entry kind's pydantic model (``ledger.domain.payloads``); only the
words (labels, hints, choice names) are written here.  :func:`read_payload`
turns a submitted form back into the payload the service validates again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from api.pages.form_words import DATE_WORDS, INTROS, WORDS, plain_reason
from api.pages.labels import kind_label
from ledger.domain.errors import FieldProblem
from ledger.domain.events import EVENT_CLASSES
from ledger.domain.nccis import CURRENT_VERSION, activity_codes

HIDDEN = frozenset({"nccis_version"})
# A browser without a date picker shows a text box, where people in England write the day
# first.  [0-9], not \d: other scripts' digits are refused (docs/identifiers.md).
DAY_FIRST = re.compile(r"^([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
LONG_TEXT = 1000  # longer limits get a text area


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str  # text, textarea, date, number, checkbox, select, lines, checkboxes, yesno
    required: bool = False
    hint: str = ""
    options: tuple[tuple[str, str], ...] = ()
    attrs: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return "f-" + self.name.replace("_", "-")


@dataclass(frozen=True)
class EntryForm:
    kind: str
    title: str
    intro: str
    fields: tuple[FormField, ...]

    def field_names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)


def _choice_label(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _nccis_options() -> tuple[tuple[str, str], ...]:
    return tuple(
        (code, f"{code} \u2013 {entry.label}")
        for code, entry in sorted(activity_codes(CURRENT_VERSION).items())
    )


def _unwrap(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> tuple[dict[str, Any], bool]:
    """The property's own schema (refs resolved, ``null`` alternatives removed)."""
    prop = dict(schema)
    nullable = False
    if "anyOf" in prop:
        options = [o for o in prop["anyOf"] if o.get("type") != "null"]
        nullable = len(options) < len(prop["anyOf"])
        numeric = [o for o in options if o.get("type") in {"number", "integer"}]
        prop = {**(numeric or options)[0], **{k: v for k, v in prop.items() if k != "anyOf"}}
    if "$ref" in prop:
        prop = {**defs[prop["$ref"].rsplit("/", 1)[-1]], **prop}
    if prop.get("type") == "array" and "$ref" in prop.get("items", {}):
        prop["items"] = defs[prop["items"]["$ref"].rsplit("/", 1)[-1]]
    return prop, nullable


def _field(kind: str, name: str, prop: dict[str, Any], required: bool) -> FormField:
    label, hint = WORDS.get(kind, {}).get(name) or WORDS["_common"].get(
        name, (name.replace("_", " ").capitalize(), "")
    )
    attrs: dict[str, str] = {}
    kind_of = prop.get("type")
    if name == "nccis_code":
        return FormField(name, label, "select", required, hint, _nccis_options())
    if "enum" in prop:
        options = tuple((v, _choice_label(v)) for v in prop["enum"])
        return FormField(name, label, "select", required, hint, options)
    if kind_of == "boolean":
        widget = "yesno" if "default" in prop and prop["default"] is None else "checkbox"
        return FormField(name, label, widget, False, hint)
    if kind_of == "array":
        items = prop.get("items", {})
        if "enum" in items:
            options = tuple((v, _choice_label(v)) for v in items["enum"])
            return FormField(name, label, "checkboxes", False, hint, options)
        attrs["data-max-lines"] = str(prop.get("maxItems", ""))
        attrs["data-max-line-length"] = str(items.get("maxLength", ""))
        return FormField(name, label, "lines", False, hint, (), attrs)
    if prop.get("format") == "date":
        attrs["min"] = "2000-01-01"
        return FormField(name, label, "date", required, hint, (), attrs)
    if kind_of in {"integer", "number"}:
        for source, target in (("minimum", "min"), ("maximum", "max")):
            if source in prop:
                attrs[target] = _number(prop[source])
        if "exclusiveMinimum" in prop:
            attrs["data-exclusive-min"] = _number(prop["exclusiveMinimum"])
            attrs["min"] = "0"
        attrs["step"] = "1" if kind_of == "integer" else _number(prop.get("multipleOf", "any"))
        attrs["inputmode"] = "numeric" if kind_of == "integer" else "decimal"
        return FormField(name, label, "number", required, hint, (), attrs)
    if "maxLength" in prop:
        attrs["maxlength"] = str(prop["maxLength"])
    if "minLength" in prop and required:
        attrs["minlength"] = str(prop["minLength"])
    if "pattern" in prop:
        attrs["pattern"] = str(prop["pattern"]).removeprefix("^").removesuffix("$")
    widget = "textarea" if prop.get("maxLength", 0) > LONG_TEXT else "text"
    return FormField(name, label, widget, required, hint, (), attrs)


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def entry_form(kind: str) -> EntryForm:
    """The form for one entry kind, from its payload model's JSON schema."""
    schema = EVENT_CLASSES[kind].PAYLOAD.model_json_schema()
    defs = schema.get("$defs", {})
    required = set(schema.get("required", ()))
    fields = []
    for name, raw in schema["properties"].items():
        if name in HIDDEN:
            continue
        prop, _nullable = _unwrap(raw, defs)
        fields.append(_field(kind, name, prop, name in required))
    starts = "start_on" if "start_on" in schema["properties"] else "occurred_on"
    for f in fields:
        if f.name in {"end_on", "follow_up_on"}:
            f.attrs["data-not-before"] = "f-" + starts.replace("_", "-")
    return EntryForm(kind, kind_label(kind), INTROS.get(kind, ""), tuple(fields))


def read_payload(form: EntryForm, data: FormData) -> dict[str, Any]:
    """The payload a submitted form stands for; empty optional fields are left out."""
    payload: dict[str, Any] = {}
    for f in form.fields:
        if f.widget == "checkbox":
            payload[f.name] = data.get(f.name) == "on"
        elif f.widget == "checkboxes":
            payload[f.name] = [str(v) for v in data.getlist(f.name)]
        elif f.widget == "lines":
            text = str(data.get(f.name) or "")
            payload[f.name] = [line.strip() for line in text.splitlines() if line.strip()]
        elif f.widget == "yesno":
            choice = str(data.get(f.name) or "")
            if choice in {"yes", "no"}:
                payload[f.name] = choice == "yes"
        else:
            value = str(data.get(f.name) or "").strip()
            if value:
                payload[f.name] = _iso_date(value) if f.widget == "date" else value
    return payload


def _iso_date(value: str) -> str:
    """DD/MM/YYYY (or D/M/YYYY) as YYYY-MM-DD; anything else as it was typed."""
    day_first = DAY_FIRST.match(value)
    if day_first is None:
        return value
    day, month, year = day_first.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def plain_problems(form: EntryForm, payload: Mapping[str, Any]) -> tuple[FieldProblem, ...]:
    """The payload model's refusals in plain English (``form_words.PLAIN_ERRORS``), if any.

    The service validates the same payload with the same model and reports pydantic's
    wording; the page validates it again to read each error's ``type`` code instead.
    """
    model = EVENT_CLASSES[form.kind].PAYLOAD
    try:
        model.model_validate(dict(payload))
    except ValidationError as exc:
        dates = {f.name for f in form.fields if f.widget == "date"}
        problems = []
        for error in exc.errors(include_input=False, include_url=False):
            location = ".".join(str(part) for part in error["loc"]) or "body"
            typed = payload.get(location)
            if location in dates and isinstance(typed, str) and not ISO_DATE.match(typed):
                reason = DATE_WORDS  # neither form a date is read in
            else:
                reason = plain_reason(error)
            problems.append(FieldProblem(location, reason))
        return tuple(problems)
    return ()


def form_values(form: EntryForm, data: FormData) -> dict[str, Any]:
    """What the person typed, to show the form again after a refusal."""
    values: dict[str, Any] = {}
    for f in form.fields:
        if f.widget == "checkboxes":
            values[f.name] = [str(v) for v in data.getlist(f.name)]
        elif f.widget == "checkbox":
            values[f.name] = data.get(f.name) == "on"
        else:
            values[f.name] = str(data.get(f.name) or "")
    return values


def default_values(form: EntryForm, today: str) -> dict[str, Any]:
    values: dict[str, Any] = {"occurred_on": today}
    schema = EVENT_CLASSES[form.kind].PAYLOAD.model_json_schema()["properties"]
    for f in form.fields:
        default = schema.get(f.name, {}).get("default")
        if f.widget == "checkbox":
            values[f.name] = bool(default)
        elif f.widget == "checkboxes":
            values[f.name] = []
        elif isinstance(default, str) and f.name not in values:
            values[f.name] = default
    return values


def errors_by_field(
    form: EntryForm, problems: tuple[FieldProblem, ...]
) -> tuple[dict[str, str], list[str]]:
    """Problems next to their fields; the rest (rules across fields) for the summary."""
    names = form.field_names()
    by_field: dict[str, str] = {}
    general: list[str] = []
    for problem in problems:
        head = problem.field.split(".", 1)[0]
        subject, _, rest = problem.reason.partition(" ")
        if head in names:
            by_field.setdefault(head, _sentence(problem.reason))
        elif subject in names and rest:
            # A rule across fields names the field it is about first ("end_on must not be
            # before occurred_on"): show it there, in the form's own words.
            by_field.setdefault(subject, _sentence(_humanise(rest, form)))
        else:
            general.append(_sentence(_humanise(problem.reason, form)))
    return by_field, general


def _humanise(reason: str, form: EntryForm) -> str:
    for f in sorted(form.fields, key=lambda f: -len(f.name)):
        reason = reason.replace(f.name, f.label.lower())
    return reason


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
