"""The fixed topic vocabulary of facts: `facts_by_topic()` accepts exactly these names.

Every fact in `knowledge/content/` lists one or more of them; the first is its main topic.
"""
from __future__ import annotations

# topic -> what facts under it are about (shown by `python -m knowledge stats` and in the README).
TOPIC_DESCRIPTIONS: dict[str, str] = {
    "about": "the unit or organization itself: founding, history, firsts, aims",
    "conditions_treated": "which conditions a unit treats",
    "diagnosis": "how a diagnosis is made",
    "transplant": "hematopoietic stem cell transplants, their kinds and donor types",
    "car_t": "CAR-T cell therapy",
    "clinical_trials": "clinical trials patients can take part in",
    "targeted_therapy": "targeted therapy, genomics-based precision medicine and immuno-oncology",
    "chemotherapy_radiation": "chemotherapy and radiation therapy",
    "skin_biopsy": "skin biopsy",
    "mohs_surgery": "Mohs micrographic surgery and other skin cancer surgery",
    "melanoma": "melanoma care",
    "skin_side_effects": "skin problems caused by cancer treatment",
    "ovarian_surgery": "ovarian cancer surgery",
    "certification": "certifications, with their dates",
    "pediatric_support": "hospital school, aid associations and shelters for children and families",
    "palliative_care": "palliative care",
    "multidisciplinary_team": "care planned together by specialists from several departments",
    "partner_departments": "departments a unit works with",
    "follow_up": "checkups after treatment ends",
    "contact": "phone lines and who they belong to",
    "research": "research done by or with a unit",
    "volumes": "figures: counts of transplants, surgeries, trials, cancers a year",
}

TOPICS: tuple[str, ...] = tuple(TOPIC_DESCRIPTIONS)
