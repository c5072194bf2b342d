from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from marketplace.models import DecisionAction, NoticeReason
from marketplace.moderation import grounds
from marketplace.moderation.decisions import MAX_SUSPENSION_DAYS
from marketplace.web.forms import Form
from marketplace.web.labels import choices


class NoticeForm(Form):
    """What Art. 16(2) asks of a notice. The place is filled in with the item's address."""

    reason = SelectField(
        _l("What is wrong with it?"),
        choices=[SelectChoice("", _l("Choose the reason…")), *choices(NoticeReason)],
        validators=[InputRequired()],
    )
    explanation = TextAreaField(
        _l("Why is it illegal or against the terms?"),
        description=_l("Say what you saw and why it is a problem, as exactly as you can."),
        validators=[InputRequired(), Length(min=10, max=5000)],
        render_kw={"rows": 5},
    )
    location = StringField(
        _l("Where is it?"),
        description=_l("The address of the content. Add details, such as which photo."),
        validators=[Length(max=2000)],
    )
    name = StringField(
        _l("Your name (optional)"), validators=[Length(max=120)], render_kw={"autocomplete": "name"}
    )
    email = EmailField(
        _l("Your e-mail address, for our answer"),
        validators=[
            InputRequired(),
            Length(max=254),
            Email(message=_l("Enter an e-mail address like name@example.fi.")),
        ],
        render_kw={"autocomplete": "email"},
    )
    good_faith = BooleanField(
        _l("I believe in good faith that the information in this report is accurate and complete."),
        validators=[InputRequired(message=_l("Confirm this to send the report."))],
    )


class DecisionForm(Form):
    action = SelectField(_l("Decision"), choices=[], validators=[InputRequired()])
    ground = SelectField(
        _l("Ground"),
        choices=[
            SelectChoice("", _l("Choose the ground…")),
            *(SelectChoice(key, text) for key, text in grounds.choices()),
        ],
        validators=[InputRequired()],
    )
    ground_detail = TextAreaField(
        _l("The ground in your words"),
        description=_l("Needed when the ground is not on the list; added to it otherwise."),
        validators=[Length(max=1000)],
        render_kw={"rows": 2},
    )
    facts = TextAreaField(
        _l("Facts the decision rests on"),
        description=_l("The person affected reads these in the statement of reasons."),
        validators=[InputRequired(), Length(min=10, max=5000)],
        render_kw={"rows": 4},
    )
    suspend_days = IntegerField(
        _l("Days of suspension (for a suspension for a period)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_SUSPENSION_DAYS)],
    )

    def offer(self, actions: list[DecisionAction]) -> DecisionForm:
        """Only the decisions that fit the item: a message cannot be hidden from search."""
        self.action.choices = [c for c in choices(DecisionAction) if c.value in actions]
        return self


class ComplaintForm(Form):
    text = TextAreaField(
        _l("Why should the decision be changed?"),
        validators=[InputRequired(), Length(min=10, max=5000)],
        render_kw={"rows": 5},
    )
    # The statement's link, for a person who cannot sign in while suspended.
    token = HiddenField(validators=[Optional(), Length(max=200)])


class ComplaintOutcomeForm(Form):
    outcome = RadioField(
        _l("Outcome"),
        choices=[
            SelectChoice("upheld", _l("Uphold: the decision stands")),
            SelectChoice(
                "reversed", _l("Reverse: undo the decision and restore what it restricted")
            ),
        ],
        validators=[InputRequired()],
    )
    explanation = TextAreaField(
        _l("Reasons, sent to the person who complained"),
        validators=[InputRequired(), Length(min=10, max=5000)],
        render_kw={"rows": 4},
    )
