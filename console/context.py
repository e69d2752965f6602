"""What every console view uses: the request's database session, the signed-in account, the template
filters and globals, and redirect and flash helpers."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, Response, abort, current_app, flash, g, redirect, url_for
from flask_login import current_user
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import referrals
from console.forms import LogoutForm
from console.timefmt import ago, duration, korea_time
from referrals import Coordinator, Relation, StageOfCare, Status, Want, Writer
from referrals.deadlines import Promise
from referrals.names import Names, names


def db() -> Session:
    """The request's database session."""
    if "db" not in g:
        g.db = Session(current_app.extensions["referrals_engine"], future=True)
    return g.db


def engine() -> Engine:
    return current_app.extensions["referrals_engine"]


def close_db(_error: BaseException | None) -> None:
    database = g.pop("db", None)
    if database is not None:
        database.close()


def account() -> Coordinator:
    """The signed-in account, loaded in the request's session (its role and units as they are now)."""
    found = db().get(Coordinator, current_user.coordinator_id)
    if found is None:
        abort(403)
    return found


def require_administrator() -> Coordinator:
    """The signed-in account, or a 403 page for a coordinator."""
    found = account()
    if not found.is_administrator:
        abort(403)
    return found


def unit_names() -> Names:
    return names(engine())


def flash_form_errors(form) -> None:  # noqa: ANN001
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


def back_to(reference: str) -> Response:
    return redirect(url_for("inquiry", reference=reference) + "#workflow", code=303)


def register_template_helpers(app: Flask) -> None:
    """Filters that turn stored values into what people read, and the pages' globals."""
    labels = {cls.__name__: {m.value: m.label for m in cls} for cls in (Writer, Relation, StageOfCare, Want)}

    app.jinja_env.filters.update(
        ago=ago,
        duration=duration,
        korea_time=korea_time,
        country_name=referrals.country_name,
        language_name=referrals.language_name,
        unit_name=lambda value: unit_names().unit(value) if value else "",
        unit_full_name=lambda value: unit_names().unit_full(value) if value else "",
        condition_name=lambda value: unit_names().condition(value) if value else "",
        status_label=lambda value: Status(value).short_label if value in Status.values() else value,
        writer_label=lambda value: labels["Writer"].get(value, value or ""),
        relation_label=lambda value: labels["Relation"].get(value, value or ""),
        stage_label=lambda value: labels["StageOfCare"].get(value, value or ""),
        want_label=lambda value: labels["Want"].get(value, value or ""),
        yes_no=lambda value: "not asked" if value is None else ("yes" if value else "no"),
        iso_utc=lambda value: "" if value is None else value.astimezone(timezone.utc).isoformat(timespec="seconds"),
    )

    @app.context_processor
    def _globals() -> dict:
        context = {"Status": Status, "now": datetime.now(timezone.utc), "promise": Promise.from_settings()}
        if current_user.is_authenticated:
            context["logout_form"] = LogoutForm()
        return context
