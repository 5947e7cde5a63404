"""The forms; each carries its CSRF token."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class CredentialsForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=40)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Remember me")


class NoteForm(FlaskForm):
    text = TextAreaField("Note", validators=[DataRequired(), Length(max=500)])
