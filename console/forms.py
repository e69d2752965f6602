"""The console's forms (Flask-WTF: every POST form carries a CSRF token)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from referrals.enums import Role
from referrals.inquiries import MAX_NOTE, MAX_REPLY


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=40)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class LogoutForm(FlaskForm):
    pass


class StatusForm(FlaskForm):
    status = SelectField("New status", validators=[InputRequired()], validate_choice=False)


class AssignForm(FlaskForm):
    assignee = SelectField("Assign to", validate_choice=False)


class NoteForm(FlaskForm):
    text = TextAreaField("Internal note (never shown to the patient)",
                         validators=[DataRequired(message="Write the note first."), Length(max=MAX_NOTE)],
                         render_kw={"rows": 3})


class ReplyForm(FlaskForm):
    text = TextAreaField("Reply to the patient (emailed to them, and shown when they check their inquiry in the chat)",
                         validators=[DataRequired(message="Write the reply first."), Length(max=MAX_REPLY)],
                         render_kw={"rows": 6})


class EraseForm(FlaskForm):
    confirm = BooleanField("I confirm that the patient asked to delete their personal data",
                           validators=[DataRequired(message="Tick the confirmation box to delete personal data.")])


class NewAccountForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=40)])
    display_name = StringField("Name shown", validators=[Length(max=120)])
    password = PasswordField("Password (at least 10 characters)", validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    role = SelectField("Role", choices=Role.choices(), default=Role.COORDINATOR.value)
    email = StringField("Email for notifications", validators=[Length(max=254)])
    units = SelectMultipleField("Units whose queue they work", validate_choice=False)


class AccountForm(FlaskForm):
    role = SelectField("Role", choices=Role.choices())
    email = StringField("Email for notifications", validators=[Length(max=254)])
    units = SelectMultipleField("Units", validate_choice=False)
    active = BooleanField("Active")


class RetryForm(FlaskForm):
    pass
