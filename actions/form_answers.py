"""What a patient means when answering a form's yes/no question in their own words.

The consent question and the inquiry's summary ("Shall I send it?") get answers such as "yes, that's
correct", "looks good, send it", "yes, no problem", "no wait, the age is wrong", "don't send" or
"nope", often from people writing in their second or third language. `read_answer` sorts them into
yes, no, change <field>, cancel or unclear, in this order of precedence:

1. phrases that contain a negative word but mean yes ("no problem", "nothing to change") count as yes;
2. a field named together with a wish to change it ("no, change the phone", "the age is wrong") is a
   change of that field, so a correction is never taken as a refusal or a cancellation;
3. cancelling ("cancel it", "don't send", "I changed my mind");
4. yes words against no words: only one kind present decides; both or neither is unclear (the form
   asks again rather than guess).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    YES = "yes"
    NO = "no"
    CHANGE = "change"
    CANCEL = "cancel"
    UNCLEAR = "unclear"


@dataclass(frozen=True)
class FormAnswer:
    kind: Kind
    field: str | None = None  # the form slot to change (CHANGE only; None when not said which)


# The words that name each answer of the referral form, as patients refer to them at the summary.
FIELD_WORDS: dict[str, str] = {
    "inquiry_writer": r"who(?: is|'s| am)? writing|writer|relationship|relation|related",
    "inquiry_patient_name": r"name|surname|spelling|spelled|spelt",
    "inquiry_age": r"age|birth|born|birthday|dob|years? old|how old",
    "inquiry_country": r"country|lives? in",
    "inquiry_language": r"language",
    "inquiry_diagnosis": r"diagnosis|condition|disease|cancer|illness|tumou?r",
    "inquiry_stage": r"stage|where in (?:the )?care|in care|already treated|not treated",
    "inquiry_wants": r"wants|what (?:i|we|she|he|they) (?:want|would like)|looking for|second opinion|transplant"
                     r"|car ?t|clinical trials?|trials?",
    "inquiry_documents": r"records?|documents?|pathology|imaging|scans?|mri|ct|biopsy|reports?",
    "inquiry_travel": r"travel|trip|visa|plans?|flights?",
    "inquiry_contact": r"contacts?|e ?mails?|mail|phone|number|mobile|whatsapp|telephone|address",
}
_FIELDS = {slot: re.compile(rf"\b(?:{words})\b") for slot, words in FIELD_WORDS.items()}

# Positive phrases that contain a negative word; "no change" only when no field follows it ("no change
# the email" from a hurried writer is a change).
_POSITIVE_IDIOMS = re.compile(
    r"\b(?:no problems?|not a problem|no worries|no objections?|nothing wrong|nothing to (?:change|correct)"
    r"|no changes? needed|no changes?(?! (?:the|my|of|to|in)\b)|no need to change|no mistakes?|no errors?"
    r"|why not|no doubt|don't cancel|do not cancel)\b")
_CHANGE_CUES = re.compile(
    r"\b(?:change|changed|wrong|incorrect|not correct|not right|mistakes?|typo|fix|edit|update|modify|different"
    r"|misspell(?:ed|t)?|should be|is actually|correct (?:the|my|it|that|this)|replace|instead|add|remove)\b")
# Without a field named, only an unmistakable wish to change something counts ("something is wrong").
_CHANGE_ALONE = re.compile(r"\b(?:change|wrong|incorrect|not correct|not right|mistakes?|typo|fix|edit)\b")
_CANCEL = re.compile(
    r"\b(?:cancel(?:led|ed)?|discard|scrap|abort|withdraw|never ?mind|changed my mind"
    r"|(?:don't|do not|dont|never|not) (?:want (?:to|it) )?(?:send|submit|sent)"
    r"|throw (?:it|this) away|forget (?:it|this|about it|the inquiry|everything)|delete (?:it|this|everything))\b")
# Negated yes words first, so that "not correct" is not read as "correct".
_NEGATED_YES = re.compile(
    r"\b(?:not|don't|do not|dont|doesn't|does not|never) (?:really )?(?:correct|right|ok|okay|good|fine|agree|accept"
    r"|consent|sure)\b|\bdisagree\b")
_DOUBT = re.compile(r"\b(?:not sure|don't know|do not know|maybe|perhaps|not certain|unsure|later)\b")
_NO = re.compile(r"\b(?:no|nope|nah|not|don't|do not|dont|decline|refuse|never|нет|아니요|아니오|아뇨)\b")
_YES = re.compile(
    r"\b(?:yes|yeah|yea|yep|yup|ya|ok|okay|okey|sure|correct|right|agree|agreed|accept|consent|confirm(?:ed)?"
    r"|fine|good|great|perfect|happy|go ahead|go on|go|send|submit|proceed|of course|absolutely|definitely"
    r"|alright|all right|exactly|true|please do|do it|approve|i do|sí|si|oui|ja|da|да|네|예)\b")
_SINGLE_LETTER = {"y": Kind.YES, "n": Kind.NO}
# Words that may surround a confirmation without adding anything ("yes, send it now please").
_FILLER = re.compile(
    r"\b(?:it|this|that|now|please|pls|again|the|my|our|inquiry|request|form|referral|application|already"
    r"|just|then|thanks?|thank you|you|can|could|would|will|is|looks?|seems?|all|everything|i|we|and|so)\b")


def normalise(text: object) -> str:
    """Lower case, curly apostrophes straightened, punctuation other than apostrophes and commas made
    spaces (commas are kept: "no, change the phone" is not "no change")."""
    value = str(text or "").casefold().replace("’", "'").replace("‘", "'").replace("`", "'")
    value = value.replace("-", " ")
    value = re.sub(r"[^\w',]+", " ", value)
    return " ".join(value.split())


def field_named(text: str) -> str | None:
    """The form slot the (normalised) text names first, or None."""
    found = [(match.start(), slot) for slot, pattern in _FIELDS.items() if (match := pattern.search(text))]
    return min(found)[1] if found else None


def read_answer(text: object) -> FormAnswer:
    """Yes, no, change <field>, cancel or unclear (see the module's docstring)."""
    value = normalise(text)
    if value.strip(" ,") in _SINGLE_LETTER:
        return FormAnswer(_SINGLE_LETTER[value.strip(" ,")])
    value = _POSITIVE_IDIOMS.sub(" yes ", value)
    bare = value.replace(",", " ")
    field = field_named(bare)
    wants_change = bool(_CHANGE_CUES.search(bare))
    if field and (wants_change or _NO.search(bare) or bare.startswith("wait")):
        return FormAnswer(Kind.CHANGE, field)
    if _CANCEL.search(bare):
        return FormAnswer(Kind.CANCEL)
    if _CHANGE_ALONE.search(bare):
        return FormAnswer(Kind.CHANGE)  # "something is wrong": which answer is not said
    if _DOUBT.search(bare):
        return FormAnswer(Kind.UNCLEAR)
    negated = bool(_NEGATED_YES.search(bare))
    bare = _NEGATED_YES.sub(" ", bare)
    said_no = negated or bool(_NO.search(bare))
    said_yes = bool(_YES.search(bare))
    if said_yes and not said_no:
        return FormAnswer(Kind.YES)
    if said_no and not said_yes:
        return FormAnswer(Kind.NO)
    return FormAnswer(Kind.UNCLEAR)


def is_bare_confirmation(text: object) -> bool:
    """A short "send it" / "yes, submit it please" with nothing else in it: what a patient (or the
    widget's retry) sends to confirm, as opposed to a new request ("send an inquiry for my father")."""
    if read_answer(text).kind is not Kind.YES:
        return False
    value = _POSITIVE_IDIOMS.sub(" ", normalise(text).replace(",", " ").replace("'s", " "))
    rest = _FILLER.sub(" ", _YES.sub(" ", value))
    return not rest.split()
