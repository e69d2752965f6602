"""The inbox (a coordinator's queues, sorted by time left), the CSV export, the inquiry page and the
workflow's forms. A coordinator opening another unit's inquiry gets 403 (`referrals.access`); every list,
search, export and view is audited by `referrals`."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

import referrals
from console.context import account, back_to, db, engine, flash_form_errors
from console.forms import AssignForm, EraseForm, NoteForm, ReplyForm, StatusForm
from console.knowledge_view import routing_check, unit_view
from console.timefmt import KST
from messages import say_error
from notifications import outbox
from referrals import InquiryFilter, InquiryNotFound, NotPermitted, ReferralError
from referrals.browsing import browse
from referrals.deadlines import Promise, deadline, deadlines
from referrals.listing import ORDERS
from settings import load_settings

PAGE_SIZE = 50


def _filters_from_args() -> tuple[InquiryFilter, dict[str, str]]:
    """The inbox/export filters from the query string, each validated alone (a bad one is dropped)."""
    args = request.args
    raw = {
        "status": args.get("status", "").strip(),
        "unit": args.get("unit", "").strip(),
        "country": args.get("country", "").strip(),
        "language": args.get("language", "").strip(),
        "search": args.get("q", "").strip(),
        "assigned_to": args.get("assigned", "").strip(),
    }
    if raw["assigned_to"] == "me":
        raw["assigned_to"] = current_user.username
    kept: dict[str, str] = {}
    for name, value in raw.items():
        if not value:
            continue
        try:
            InquiryFilter(**{name: value}).normalised()
            kept[name] = value
        except ReferralError as error:
            flash(f"Filter {name} ignored: {say_error(error)}", "error")
    return InquiryFilter(**kept).normalised(), kept


def register_inquiry_routes(app: Flask) -> None:  # noqa: C901 - one place for the inquiry routes
    """/, /export.csv, /inquiries/<reference> and its forms."""

    @app.get("/")
    def inbox():
        filters, kept = _filters_from_args()
        order = request.args.get("sort", "due")
        order = order if order in ORDERS else "due"
        try:
            page = max(1, int(request.args.get("page", "1")))
        except ValueError:
            page = 1
        database = db()
        listing = browse(database, filters, by=current_user.username, order=order, limit=PAGE_SIZE,
                         offset=(page - 1) * PAGE_SIZE)
        args = {key: value for key, value in request.args.items() if key != "page" and value}
        now = datetime.now(timezone.utc)
        return render_template(
            "inbox.html", inquiries=listing.inquiries, total=listing.total, page=page,
            pages=max(1, -(-listing.total // PAGE_SIZE)), args=args, order=order,
            options=referrals.filter_options(database, listing.viewer),
            coordinators=referrals.list_coordinators(database), filtered=bool(kept),
            deadlines=deadlines(listing.inquiries, now, Promise.from_settings()), queues=account().unit_ids,
            email_trouble=outbox.trouble(database) if current_user.is_administrator else (0, 0),
        )

    @app.get("/export.csv")
    def export():
        filters, _kept = _filters_from_args()
        text = referrals.export_csv(db(), filters, by=current_user.username)
        stamp = datetime.now(KST).strftime("%Y%m%d-%H%M")
        return Response("\ufeff" + text, mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="inquiries-{stamp}.csv"'})

    @app.get("/inquiries/<reference>")
    def inquiry(reference: str):
        canonical = referrals.normalise_reference(reference)
        if canonical is None:
            abort(404)
        if canonical != reference:
            return redirect(url_for("inquiry", reference=canonical))
        database = db()
        try:
            item = referrals.view_inquiry(database, canonical, by=current_user.username)
        except InquiryNotFound:
            abort(404)
        except NotPermitted as refused:
            return render_template("error.html", code=403, title="Not in your queues", message=say_error(refused)), 403
        status_form = StatusForm(prefix="status")
        status_form.status.choices = [(s.value, s.short_label) for s in referrals.allowed_statuses(item)]
        coordinators = referrals.list_coordinators(database)
        assign_form = AssignForm(prefix="assign")
        assign_form.assignee.choices = [("", "Nobody")] + [(c.username, c.display_name) for c in coordinators]
        assign_form.assignee.data = item.assigned_to.username if item.assigned_to else ""
        return render_template(
            "inquiry.html", inquiry=item, status_form=status_form, assign_form=assign_form,
            note_form=NoteForm(formdata=None, prefix="note"), reply_form=ReplyForm(formdata=None, prefix="reply"),
            erase_form=EraseForm(formdata=None, prefix="erase"),
            transcript=referrals.transcript(database, item.conversation_id),
            unit=unit_view(engine(), item.recommended_unit_id),
            routing=routing_check(engine(), item.condition_id, _age_in_years(item), item.recommended_unit_id),
            audit=referrals.audit_entries(database, item.reference, limit=200),
            deadline=deadline(item, datetime.now(timezone.utc), Promise.from_settings()),
            emails=outbox.for_inquiry(database, item.id), smtp_configured=bool(load_settings().smtp_host),
        )

    def _change(reference: str, form, action, success: str) -> Response:  # noqa: ANN001
        canonical = referrals.normalise_reference(reference)
        if canonical is None:
            abort(404)
        if not form.validate_on_submit():
            flash_form_errors(form)
            return back_to(canonical)
        try:
            action(canonical)
        except InquiryNotFound:
            abort(404)
        except NotPermitted as refused:
            db().rollback()
            return render_template("error.html", code=403, title="Not in your queues", message=say_error(refused)), 403
        except ReferralError as error:
            db().rollback()
            flash(say_error(error), "error")
        else:
            flash(success, "success")
        return back_to(canonical)

    @app.post("/inquiries/<reference>/status")
    def change_status(reference: str):
        form = StatusForm(prefix="status")
        return _change(reference, form, lambda ref: referrals.set_status(
            db(), ref, form.status.data, by=current_user.username), "Status changed.")

    @app.post("/inquiries/<reference>/assign")
    def assign(reference: str):
        form = AssignForm(prefix="assign")
        return _change(reference, form, lambda ref: referrals.assign(
            db(), ref, form.assignee.data or None, by=current_user.username), "Assignment saved.")

    @app.post("/inquiries/<reference>/notes")
    def add_note(reference: str):
        form = NoteForm(prefix="note")
        return _change(reference, form, lambda ref: referrals.add_note(
            db(), ref, form.text.data, by=current_user.username), "Note added.")

    @app.post("/inquiries/<reference>/reply")
    def reply(reference: str):
        form = ReplyForm(prefix="reply")
        return _change(reference, form, lambda ref: referrals.reply_to_patient(
            db(), ref, form.text.data, by=current_user.username), _reply_saved())

    @app.post("/inquiries/<reference>/erase")
    def erase(reference: str):
        form = EraseForm(prefix="erase")
        return _change(reference, form, lambda ref: referrals.erase_personal_data(
            db(), ref, by=current_user.username), "The inquiry's personal data and chat transcript were deleted.")


def _reply_saved() -> str:
    if load_settings().smtp_host:
        return ("Reply saved: it is emailed to the patient (see Emails below) and shown when they check "
                "their inquiry in the chat.")
    return ("Reply saved: the patient sees it when they check their inquiry in the chat. No SMTP server is "
            "configured, so the email waits in the outbox (see Emails below).")


def _age_in_years(item) -> int | None:  # noqa: ANN001 - an Inquiry row
    """The patient's age as given, or from the birth date."""
    if item.age is not None:
        return item.age
    if item.birth_date is None:
        return None
    today = datetime.now(timezone.utc).date()
    born = item.birth_date
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
