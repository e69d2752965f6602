"""The topics patients ask about, as the actions know them: which intent asks about which topic of the
knowledge store, and the service each topic is about. A topic's title in an answer is the message
`topic_title.<topic>` (messages/)."""
from __future__ import annotations

# Which knowledge-store topic answers which intent, and the service a follow-up such as
# "is that available at Samsung?" then refers to.
TOPIC_OF_INTENT: dict[str, str] = {
    "ask_transplant": "transplant",
    "ask_car_t": "car_t",
    "ask_clinical_trials": "clinical_trials",
    "ask_targeted_therapy": "targeted_therapy",
    "ask_chemo_radiation": "chemotherapy_radiation",
    "ask_skin_biopsy": "skin_biopsy",
    "ask_mohs_surgery": "mohs_surgery",
    "ask_melanoma": "melanoma",
    "ask_skin_side_effects": "skin_side_effects",
    "ask_ovarian_surgery": "ovarian_surgery",
    "ask_certification": "certification",
    "ask_pediatric_support": "pediatric_support",
    "ask_palliative_care": "palliative_care",
    "ask_team": "multidisciplinary_team",
    "ask_follow_up": "follow_up",
    "ask_contact": "contact",
    "ask_about_hospital": "about",
}
SERVICE_OF_TOPIC: dict[str, str] = {
    "transplant": "hsct",
    "car_t": "car_t",
    "clinical_trials": "clinical_trials",
    "targeted_therapy": "targeted_therapy",
    "chemotherapy_radiation": "chemotherapy",
    "skin_biopsy": "skin_biopsy",
    "mohs_surgery": "mohs_surgery",
    "melanoma": "melanoma_multidisciplinary_care",
    "skin_side_effects": "treatment_skin_care",
    "ovarian_surgery": "ovarian_cancer_surgery",
    "pediatric_support": "social_economic_support",
    "palliative_care": "palliative_care",
    "multidisciplinary_team": "multidisciplinary_care",
    "follow_up": "follow_up_care",
}
# Topics whose facts also answer a question filed under a topic ("what do they research?" is a question
# about the unit). Which departments a unit works with is a kind of answer (knowledge/question.py), not a
# topic's prior: as a prior it would put the partner list before "a team of specialists decides".
RELATED_TOPICS: dict[str, tuple[str, ...]] = {
    "about": ("research",),
}


def topic_family(topic: str | None) -> tuple[str, ...]:
    """`topic` and the topics whose facts also answer a question filed under it."""
    return () if topic is None else (topic, *RELATED_TOPICS.get(topic, ()))


# The topic of a service named in a second question beside a route ("... and can he join a trial?").
TOPIC_OF_SERVICE: dict[str, str] = {
    **{service: topic for topic, service in SERVICE_OF_TOPIC.items()},
    "precision_medicine": "targeted_therapy", "immunotherapy": "targeted_therapy",
    "radiation_therapy": "chemotherapy_radiation", "hospital_school": "pediatric_support",
    "aid_associations": "pediatric_support", "family_shelter": "pediatric_support",
}
