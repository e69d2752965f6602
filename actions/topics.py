"""The topics patients ask about, each defined once: its id (a topic of the knowledge store,
knowledge/topics.py), the intent that asks about it, the service a follow-up such as "is that available at
Samsung?" then refers to, other services that lead to it, the topics whose facts also answer it, and
whether the fallback may offer it as a quick reply. Its words are messages: `topic_title.<topic>` in an
answer, `topic_button.<intent>` on a quick reply (messages/). tests/actions/test_topics.py checks this
table against the domain, the rules and the store's topics.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    id: str
    intent: str
    service: str | None = None  # the service in context after the answer
    leads_here: tuple[str, ...] = ()  # other services whose naming asks about this topic
    also_answered_by: tuple[str, ...] = ()  # topics whose facts answer a question filed here too


TOPICS: tuple[Topic, ...] = (
    Topic("transplant", "ask_transplant", "hsct"),
    Topic("car_t", "ask_car_t", "car_t"),
    Topic("clinical_trials", "ask_clinical_trials", "clinical_trials"),
    Topic("targeted_therapy", "ask_targeted_therapy", "targeted_therapy",
          leads_here=("precision_medicine", "immunotherapy")),
    Topic("chemotherapy_radiation", "ask_chemo_radiation", "chemotherapy", leads_here=("radiation_therapy",)),
    Topic("skin_biopsy", "ask_skin_biopsy", "skin_biopsy"),
    Topic("mohs_surgery", "ask_mohs_surgery", "mohs_surgery"),
    Topic("melanoma", "ask_melanoma", "melanoma_multidisciplinary_care"),
    Topic("skin_side_effects", "ask_skin_side_effects", "treatment_skin_care"),
    Topic("ovarian_surgery", "ask_ovarian_surgery", "ovarian_cancer_surgery"),
    Topic("certification", "ask_certification"),
    Topic("pediatric_support", "ask_pediatric_support", "social_economic_support",
          leads_here=("hospital_school", "aid_associations", "family_shelter")),
    Topic("palliative_care", "ask_palliative_care", "palliative_care"),
    # Which departments a unit works with is a kind of answer (knowledge/question.py), not this topic's
    # prior: as a prior it would put the partner list before "a team of specialists decides".
    Topic("multidisciplinary_team", "ask_team", "multidisciplinary_care"),
    Topic("follow_up", "ask_follow_up", "follow_up_care"),
    Topic("contact", "ask_contact"),
    # "what do they research?" is a question about the unit
    Topic("about", "ask_about_hospital", also_answered_by=("research",)),
)
BY_ID: dict[str, Topic] = {topic.id: topic for topic in TOPICS}
TOPIC_OF_INTENT: dict[str, str] = {topic.intent: topic.id for topic in TOPICS}
SERVICE_OF_TOPIC: dict[str, str] = {topic.id: topic.service for topic in TOPICS if topic.service}
# The topic of a service named in a second question beside a route ("... and can he join a trial?").
TOPIC_OF_SERVICE: dict[str, str] = {
    **{topic.service: topic.id for topic in TOPICS if topic.service},
    **{service: topic.id for topic in TOPICS for service in topic.leads_here},
}


def topic_family(topic: str | None) -> tuple[str, ...]:
    """`topic` and the topics whose facts also answer a question filed under it."""
    if topic is None:
        return ()
    return (topic, *(BY_ID[topic].also_answered_by if topic in BY_ID else ()))
