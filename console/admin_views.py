"""Administrators' pages: the accounts (role, units, email, active), the whole audit log and the email
outbox. A coordinator gets 403 on each (the audit log's refusal is itself audited)."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

import referrals
from console.context import db, flash_form_errors, require_administrator, unit_names
from console.forms import AccountForm, NewAccountForm, RetryForm
from messages import say_error
from notifications import outbox
from referrals import NotPermitted, ReferralError
from referrals.browsing import read_audit_log
from settings import load_settings


def _unit_choices(extra: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The knowledge store's units by name, plus ids an account has that the store no longer knows."""
    known = unit_names().units
    choices = sorted(((unit.id, unit.full) for unit in known.values()), key=lambda pair: pair[1])
    return choices + [(unit, f"{unit} (not in the knowledge store)") for unit in extra if unit not in known]


def _account_forms(accounts: list[referrals.Coordinator]) -> dict[str, AccountForm]:
    forms = {}
    for account in accounts:
        form = AccountForm(formdata=None, prefix=f"a-{account.username}", role=account.role,
                           email=account.email or "", units=list(account.unit_ids), active=account.active)
        form.units.choices = _unit_choices(account.unit_ids)
        forms[account.username] = form
    return forms


def register_admin_routes(app: Flask) -> None:
    """/accounts, /audit, /outbox."""

    @app.get("/accounts")
    def accounts():
        require_administrator()
        everyone = referrals.list_coordinators(db(), include_inactive=True)
        new_form = NewAccountForm(formdata=None, prefix="new")
        new_form.units.choices = _unit_choices()
        return render_template("accounts.html", accounts=everyone, forms=_account_forms(everyone), new_form=new_form)

    @app.post("/accounts")
    def create_account():
        require_administrator()
        form = NewAccountForm(prefix="new")
        form.units.choices = _unit_choices()
        if not form.validate_on_submit():
            flash_form_errors(form)
            return redirect(url_for("accounts"), code=303)
        try:
            created = referrals.create_coordinator(
                db(), form.username.data, form.password.data, form.display_name.data, role=form.role.data,
                email=form.email.data.strip() or None, units=tuple(form.units.data or ()), by=current_user.username)
        except ReferralError as error:
            db().rollback()
            flash(say_error(error), "error")
        else:
            flash(f"Account {created.username} created.", "success")
        return redirect(url_for("accounts"), code=303)

    @app.post("/accounts/<username>")
    def update_account(username: str):
        require_administrator()
        form = AccountForm(prefix=f"a-{username}")
        form.units.choices = _unit_choices()
        if not form.validate_on_submit():
            flash_form_errors(form)
            return redirect(url_for("accounts"), code=303)
        database, by = db(), current_user.username
        try:
            if referrals.get_coordinator(database, username) is None:
                abort(404)
            if username == by and (form.role.data != "administrator" or not form.active.data):
                raise ReferralError("console.keep_own_administrator_role")
            if form.email.data.strip():
                referrals.normalise_email(form.email.data)  # refused before anything changes
            referrals.set_role(database, username, form.role.data, by=by)
            referrals.set_units(database, username, tuple(form.units.data or ()), by=by)
            referrals.set_email(database, username, form.email.data.strip() or None, by=by)
            account = referrals.get_coordinator(database, username)
            if account.active != bool(form.active.data):
                referrals.set_active(database, username, bool(form.active.data), by=by)
        except ReferralError as error:
            database.rollback()
            flash(say_error(error), "error")
        else:
            flash(f"Account {username} saved.", "success")
        return redirect(url_for("accounts") + f"#account-{username}", code=303)

    @app.get("/audit")
    def audit_log():
        actor = request.args.get("actor", "").strip() or None
        reference = request.args.get("reference", "").strip() or None
        try:
            entries = read_audit_log(db(), by=current_user.username, reference=reference, actor=actor, limit=500)
        except NotPermitted as refused:
            return render_template("error.html", code=403, title="Administrators only", message=say_error(refused)), 403
        return render_template("audit.html", entries=entries, actor=actor or "", reference=reference or "")

    @app.get("/outbox")
    def outbox_page():
        require_administrator()
        state = request.args.get("state", "").strip()
        state = state if state in outbox.STATES else None
        database = db()
        # the patients' reply emails are personal data: reading them is audited like an inquiry view
        referrals.record_audit(database, current_user.username, "outbox_read", details=f"state={state or 'any'}")
        return render_template("outbox.html", messages=outbox.recent(database, state=state),
                               counts=outbox.counts(database), state=state or "",
                               smtp_host=load_settings().smtp_host, retry_form=RetryForm())

    @app.post("/outbox/<int:message_id>/retry")
    def retry_email(message_id: int) -> Response:
        require_administrator()
        if RetryForm().validate_on_submit():
            if outbox.retry(db(), message_id, datetime.now(timezone.utc)):
                referrals.record_audit(db(), current_user.username, "email_retried", details=f"outbox {message_id}")
                flash("The email will be sent again at the next round.", "success")
            else:
                flash("Only a failed email can be sent again.", "error")
        return redirect(url_for("outbox_page"), code=303)
