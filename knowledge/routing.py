"""Where a patient should go: the unit for the condition (or service) named, by the patient's age group.

The rules come from the content's treatment rows (see `route_patient`). The explanation of each route is
a tuple of `Sentence`s (message ids with the condition, units and numbers that fill them): the words are
the message catalog's, made where the explanation is shown (messages/explain.py).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from knowledge.matcher import CONDITION, OUT_OF_SCOPE, SERVICE, TermMatch, get_matcher
from knowledge.models import TreatmentRow
from knowledge.results import (
    AsWritten,
    CategoryName,
    ConditionRef,
    Offering,
    OutOfScopeRef,
    Route,
    RoutingResult,
    Sentence,
    ServiceRef,
    sentence,
)
from knowledge.reading import read_message
from knowledge.snapshot import StoreSnapshot

CHILD, ADULT = "child", "adult"
FEMALE = "female"
# who a route is for, in the ids of the sentences that name them ("For an adult with ...")
FOR_WHOM = {CHILD: "child", ADULT: "adult", None: "any"}


def route_patient(
    session: Session, condition_text: str, age: int | None = None, is_child: bool | None = None,
    condition_id: str | None = None,
) -> RoutingResult:
    """Which unit to go to for what the patient wrote ("my son has leukaemia", "blood cancer", "I am 45").

    The condition, and the age when neither `age` nor `is_child` is passed, are read from the text
    with the term matcher; `condition_id` (a condition of the store, remembered from an earlier turn)
    stands for the condition when given. Of several conditions named, the most specific is routed on
    ("a liver tumour called hepatoblastoma": hepatoblastoma).
    Children and adolescents are under 18 (the project's cut-off; the pages give none). Rules, from
    the content's treatment rows: a unit named for the condition itself beats one named for its
    parent condition, which beats one named for its category, then broader categories ("lung
    cancer" -> solid tumor -> SNUH Medical Oncology). For a child, the pediatric unit that names
    "other childhood cancers" is always offered too. Health problems outside cancer care and blood
    diseases come back with in_scope=False and no routes.
    """
    snapshot = StoreSnapshot(session)
    matcher = get_matcher()
    reading = read_message(condition_text or "")
    matches, cue = list(reading.matches), reading.age_cue
    # What the caller passes (from the conversation) wins over what the text says, and an age wins
    # over a child/adult flag.
    if age is None and is_child is None:
        age = cue.age
    if age is not None:
        age_group: str | None = CHILD if age < matcher.adult_from_age else ADULT
    elif is_child is not None:
        age_group = CHILD if is_child else ADULT
    else:
        age_group = {True: CHILD, False: ADULT, None: None}[cue.is_child]

    conditions = [m for m in matches if m.kind == CONDITION]
    if condition_id is not None and condition_id in snapshot.condition_rows:
        name = snapshot.condition_rows[condition_id].name
        conditions = [TermMatch(CONDITION, condition_id, name, name, 0, 0)]
    condition_match = _most_specific(snapshot, conditions, matcher)
    service_match = next((m for m in matches if m.kind == SERVICE), None)
    service = snapshot.service(service_match.id) if service_match else None
    common = dict(age=age, relation=cue.relation, service=service)
    sex = reading.sex

    if condition_match is None:
        out_of_scope = next((m for m in matches if m.kind == OUT_OF_SCOPE), None)
        if out_of_scope is not None:
            return RoutingResult(
                None, age_group, needs_age_group=False, routes=(), in_scope=False,
                out_of_scope=OutOfScopeRef(out_of_scope.id, out_of_scope.name, out_of_scope.text),
                explanation=(sentence("route.why.out_of_scope", problem=out_of_scope.name),),
                **common,
            )
        if service is not None:
            return _route_by_service(snapshot, service, age_group, common)
        return RoutingResult(
            None, age_group, needs_age_group=False, routes=(), in_scope=False, out_of_scope=None,
            explanation=(sentence("route.why.no_condition"),),
            **common,
        )

    condition = snapshot.condition(condition_match.id)
    implied = snapshot.condition_rows[condition.id].implies_age_group
    if age_group is None and implied is not None:
        age_group = implied

    written = condition_match.text
    if age_group is not None:
        routes = _routes_by_sex(snapshot, condition.id, age_group, sex)
        explanation = _what_it_is(snapshot, condition, written, bool(routes)) + \
            (_condition_explanation(condition, age_group, routes),)
        return RoutingResult(condition, age_group, needs_age_group=False, routes=tuple(routes), in_scope=True,
                             out_of_scope=None, explanation=explanation, **common)

    child_routes = _routes_by_sex(snapshot, condition.id, CHILD, sex)
    adult_routes = _routes_by_sex(snapshot, condition.id, ADULT, sex)
    routes, needs_age = _merge_age_groups(child_routes, adult_routes)
    if needs_age and service is not None:
        routes, needs_age = _narrow_by_service(snapshot, routes, service)
    under = matcher.adult_from_age
    if condition.category == "cancer":
        explanation = (
            _condition_explanation(condition, ADULT, []),
            _listing("route.why.children_any_cancer", child_routes, adult_age=under),
            sentence("route.why.how_old"),
        )
    elif needs_age:
        explanation = (
            sentence("route.why.depends_on_age", condition=condition.name),
            _listing("route.why.children", child_routes, adult_age=under),
            _listing("route.why.adults", adult_routes),
            sentence("route.why.how_old"),
        )
    else:
        explanation = (_condition_explanation(condition, None, routes),)
    explanation = _what_it_is(snapshot, condition, written, bool(routes)) + explanation
    return RoutingResult(condition, None, needs_age_group=needs_age, routes=tuple(routes), in_scope=True,
                         out_of_scope=None, explanation=explanation, **common)


def _most_specific(snapshot: StoreSnapshot, conditions: list[TermMatch], matcher) -> TermMatch | None:
    """The condition to route on: a named condition over the generic word of a category ("cancer of the
    womb" over the "cancer" the NLU tagged inside it), a condition over one it is a kind of, and one the
    pages name a unit for over one routed by its kind ("a liver tumour called hepatoblastoma"), wherever
    each stands in the text; else the one of the most specific kind, the first of equals."""
    named = [m for m in conditions if not matcher.is_category(m.id) and m.id in snapshot.condition_rows]
    broader = {cid for match in named for kind, cid in snapshot.condition_lineage(match.id)[1:] if kind == "condition"}
    narrowest = [match for match in named if match.id not in broader]
    # of conditions neither of which is a kind of the other, one the pages name a unit for
    if not narrowest:
        return conditions[0] if conditions else None
    # then one whose kind is more specific: "small cell carcinoma of the cervix" is a cervix carcinoma
    # (a gynecologic cancer) more than a small cell carcinoma (a solid tumor)
    def kind_depth(match: TermMatch) -> int:
        return sum(kind == "category" for kind, _ in snapshot.condition_lineage(match.id))
    return next((m for m in narrowest if m.id in snapshot.treated_condition_ids), None) \
        or max(narrowest, key=kind_depth)


def _routes_by_sex(snapshot: StoreSnapshot, condition_id: str, age_group: str, sex: str | None) -> list[Route]:
    """The routes for a condition routed otherwise in a woman (a sex cord-stromal tumour): a woman's or
    girl's, a man's or boy's, or both when the message does not say; any other condition's routes."""
    routes = _routes_for_condition(snapshot, condition_id, age_group, woman=sex == FEMALE)
    if sex is None and snapshot.depends_on_sex(condition_id):
        routed = {route.unit.id for route in routes}
        routes += [route for route in _routes_for_condition(snapshot, condition_id, age_group, woman=True)
                   if route.unit.id not in routed]
    return routes


def _routes_for_condition(snapshot: StoreSnapshot, condition_id: str, age_group: str,
                          woman: bool = False) -> list[Route]:
    lineage = snapshot.condition_lineage(condition_id, woman)
    specificity = {target: index for index, target in enumerate(lineage)}
    rows = [row for row in snapshot.treatment_rows if row.age_group in (age_group, "any")]
    best_per_unit: dict[str, tuple[int, TreatmentRow]] = {}
    for row in rows:
        target = ("condition", row.condition_id) if row.condition_id else ("category", row.category_id)
        if target not in specificity:
            continue
        rank = specificity[target]
        if row.unit_id not in best_per_unit or rank < best_per_unit[row.unit_id][0]:
            best_per_unit[row.unit_id] = (rank, row)
    if not best_per_unit:
        return []
    best = min(rank for rank, _ in best_per_unit.values())
    chosen = [
        (rank, row) for rank, row in best_per_unit.values()
        # A child's own unit stays in the list even when another unit names the condition more
        # specifically: the pediatric page treats "other childhood cancers" as a whole.
        if rank == best or (age_group == CHILD and row.age_group == CHILD)
    ]
    chosen.sort(key=lambda pair: (pair[0], pair[1].unit_id))
    routes = []
    for _rank, row in chosen:
        unit_row = snapshot.unit_rows[row.unit_id]
        note = row.note or (unit_row.age_group_note if row.age_group != "any" else None)
        routes.append(Route(snapshot.units[row.unit_id], None if row.age_group == "any" else row.age_group,
                            row.reason, note, (snapshot.sources[row.source_id],), row.as_of))
    return routes


def _narrow_by_service(snapshot: StoreSnapshot, routes: list[Route], service: ServiceRef) -> tuple[list[Route], bool]:
    """Routes for an unknown age, narrowed to the units the pages say offer the service named with the
    condition ("ovarian cancer surgery", "skin cancer ... Mohs surgery"), so that the age need not be
    asked. Not when only the children's routes would be left: the children's unit takes every childhood
    cancer, so a service alone does not make the patient a child."""
    offering_units = {o.unit.id for o in snapshot.offerings(service_ids=snapshot.service_descendants(service.id))}
    narrowed = [r for r in routes if offering_units & ({r.unit.id} | set(snapshot.unit_descendants(r.unit.id)))]
    if not narrowed or all(r.age_group == CHILD for r in narrowed):
        return routes, True
    return narrowed, {CHILD, ADULT} <= {r.age_group for r in narrowed}


def _merge_age_groups(child_routes: list[Route], adult_routes: list[Route]) -> tuple[list[Route], bool]:
    """Routes for an unknown age: shared routes once (age_group None), the rest labelled by group."""
    child_units = [r.unit.id for r in child_routes]
    adult_units = [r.unit.id for r in adult_routes]
    needs_age = set(child_units) != set(adult_units)
    merged: list[Route] = []
    for route in child_routes:
        shared = route.unit.id in adult_units
        merged.append(Route(route.unit, None if shared else CHILD, route.reason, route.note, route.sources, route.as_of))
    for route in adult_routes:
        if route.unit.id not in child_units:
            merged.append(Route(route.unit, ADULT, route.reason, route.note, route.sources, route.as_of))
    return merged, needs_age


def _what_it_is(snapshot: StoreSnapshot, condition: ConditionRef, written: str, routed: bool) -> tuple[Sentence, ...]:
    """For a condition from the disease terminology, what kind of condition it is, which decides the
    unit: general medical knowledge (the Human Disease Ontology's is-a hierarchy), never something a
    hospital page says. Empty for the curated conditions, whose units the pages name or whose
    category the curated vocabulary gives. `written`: the patient's words for it; `routed`: whether a
    unit was found."""
    row = snapshot.condition_rows[condition.id]
    if getattr(row, "origin", "curated") != "ontology":
        return ()
    category = snapshot.categories[row.category_id]
    # "Cancers of the female reproductive organs, such as ..." -> "cancers of the female reproductive organs"
    scope = category.description.split(", such as")[0].split(";")[0].rstrip(".")
    scope = scope[:1].lower() + scope[1:]
    path = [name for name in (row.ontology_path or "").split(" > ") if name]
    subject: str | AsWritten = condition.name
    if " ".join(written.lower().split()) != condition.name.lower():
        subject = AsWritten(written, condition.name)
    kind_name = CategoryName(category.label)
    # With a path the hierarchy placed it; without one, categories.yml names the term itself.
    if path and path[0] != category.label:
        placed = sentence("route.why.kind_of_in_ontology", subject=subject, kind=path[0], category=kind_name,
                          scope=scope)
    elif path:
        placed = sentence("route.why.in_ontology", subject=subject, category=kind_name, scope=scope)
    else:
        placed = sentence("route.why.in_vocabulary", subject=subject, category=kind_name, scope=scope)
    if not routed:
        return (placed,)
    return placed, sentence("route.why.routed_by_kind", condition=condition.name)


def _listing(message_id: str, routes: list[Route], **params: object) -> Sentence:
    """The sentence that lists the routes' units, or its `.no_unit` twin when there are none."""
    if not routes:
        return sentence(f"{message_id}.no_unit", **params)
    return sentence(f"{message_id}.units", units=tuple(route.unit for route in routes), **params)


def _condition_explanation(condition: ConditionRef, age_group: str | None, routes: list[Route]) -> Sentence:
    whom = FOR_WHOM[age_group]
    if routes:
        return sentence(f"route.why.for_{whom}", condition=condition.name, units=tuple(r.unit for r in routes))
    if condition.category == "cancer":
        return sentence("route.why.which_cancer")
    return sentence(f"route.why.no_unit_for_{whom}", condition=condition.name)


def _route_by_service(snapshot: StoreSnapshot, service: ServiceRef, age_group: str | None, common: dict) -> RoutingResult:
    if snapshot.service_rows[service.id].condition_decides:
        # "need eye surgery", "chemo for my dad": the units the pages name for it each treat other cancers
        return RoutingResult(None, age_group, needs_age_group=False, routes=(), in_scope=True, out_of_scope=None,
                             explanation=(sentence("route.why.service_needs_condition", service=service.name),),
                             **common)
    offerings = snapshot.offerings(service_ids=snapshot.service_descendants(service.id))

    def routes_for(group: str) -> list[Route]:
        per_unit: dict[str, Offering] = {}
        for offering in offerings:
            serves = snapshot.unit_rows[offering.unit.id].serves_age_group
            if serves not in (None, group):
                continue
            # Prefer the statement about the service asked for over one about a kind of it.
            current = per_unit.get(offering.unit.id)
            if current is None or offering.service.id == service.id:
                per_unit[offering.unit.id] = offering
        return [Route(o.unit, snapshot.unit_rows[o.unit.id].serves_age_group, o.text,
                      snapshot.unit_rows[o.unit.id].age_group_note, (o.source,), o.as_of) for o in per_unit.values()]

    if age_group is not None:
        routes = routes_for(age_group)
        needs_age = False
    else:
        routes, needs_age = _merge_age_groups(routes_for(CHILD), routes_for(ADULT))
    if routes:
        explanation: tuple[Sentence, ...] = (
            sentence("route.why.service_units", service=service.name, units=tuple(r.unit for r in routes)),)
        if needs_age:
            explanation += (sentence("route.why.service_depends_on_age"),)
    else:
        explanation = (sentence("route.why.service_nowhere", service=service.name),)
    return RoutingResult(None, age_group, needs_age_group=needs_age, routes=tuple(routes), in_scope=True,
                         out_of_scope=None, explanation=explanation, **common)

