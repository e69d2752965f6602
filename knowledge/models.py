"""The knowledge store's tables (SQLAlchemy 1.4, written in 2.0 style).

The tables have their own `MetaData`, because other packages keep their own tables in the same
database; every name starts with `kb_`. Two kinds of table:

* general vocabulary (categories, conditions, services and their aliases): medical words, never a
  statement about a hospital, so they carry no source;
* hospital content (hospitals, organizations, units, treatments, offerings, partner departments,
  facts, follow-up steps, contacts): every row cites its source, a seed file name plus a sentence
  copied verbatim from it (`kb_sources`); a fact's translations (`kb_fact_translations`) are stored
  beside it and cite through it.

Primary keys are the curated ids (or ids derived from them, such as ``offers:<unit>:<service>``), so
rebuilding from the same content gives the same rows on every backend.
"""
from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

KNOWLEDGE_METADATA = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
Base = declarative_base(metadata=KNOWLEDGE_METADATA)

_ID = String(120)
_AGE_GROUP_CHECK = "age_group in ('child', 'adult', 'any')"


class SourceRow(Base):
    """A cited sentence: the seed file name and the sentence, verbatim (whitespace normalised)."""

    __tablename__ = "kb_sources"
    id = Column(String(32), primary_key=True)  # a hash of file and sentence, stable across builds
    file = Column(String(200), nullable=False, index=True)
    sentence = Column(Text, nullable=False)


# ---------------------------------------------------------------------------------------------------
# General vocabulary
# ---------------------------------------------------------------------------------------------------


class CategoryRow(Base):
    __tablename__ = "kb_categories"
    id = Column(_ID, primary_key=True)
    label = Column(String(200), nullable=False)
    description = Column(Text, nullable=False)
    broader_id = Column(_ID, ForeignKey("kb_categories.id"), nullable=True)
    # routed by this category instead when the patient is a woman or girl (vocabulary/categories.yml; the
    # catalog checks it names a category: no foreign key, so categories load in the order of `broader`)
    in_women_id = Column(_ID, nullable=True)


class CategoryOntologyClassRow(Base):
    """A Human Disease Ontology class whose terms belong to a category (vocabulary/categories.yml),
    so that a reader can check which classes decide a route."""

    __tablename__ = "kb_category_ontology_classes"
    category_id = Column(_ID, ForeignKey("kb_categories.id"), primary_key=True)
    class_id = Column(String(32), primary_key=True)  # "DOID:120"
    class_name = Column(String(300), nullable=False)


class TerminologyRow(Base):
    """Where the generated condition vocabulary comes from: source, release and license."""

    __tablename__ = "kb_terminologies"
    id = Column(_ID, primary_key=True)  # "disease_ontology"
    source = Column(Text, nullable=False)
    release = Column(String(40), nullable=False)
    license = Column(String(200), nullable=False)
    generated_by = Column(String(200), nullable=False)


class ConditionRow(Base):
    __tablename__ = "kb_conditions"
    id = Column(_ID, primary_key=True)
    name = Column(String(300), nullable=False)
    category_id = Column(_ID, ForeignKey("kb_categories.id"), nullable=False, index=True)
    parent_id = Column(_ID, ForeignKey("kb_conditions.id"), nullable=True)
    implies_age_group = Column(String(10), nullable=True)
    # 'curated' (vocabulary/conditions.yml) or 'ontology' (the disease terminology)
    origin = Column(String(20), nullable=False, default="curated")
    # ontology conditions: the names up the ontology to what decided the category, " > "-joined
    ontology_path = Column(Text, nullable=True)

    category = relationship(CategoryRow)


class ConditionOntologyIdRow(Base):
    """The ontology terms a condition stands for (a curated condition may stand for several)."""

    __tablename__ = "kb_condition_ontology_ids"
    condition_id = Column(_ID, ForeignKey("kb_conditions.id"), primary_key=True)
    ontology_id = Column(String(32), primary_key=True, index=True)


class ConditionAliasRow(Base):
    __tablename__ = "kb_condition_aliases"
    condition_id = Column(_ID, ForeignKey("kb_conditions.id"), primary_key=True)
    alias = Column(String(300), primary_key=True)
    kind = Column(String(20), nullable=False)  # 'alias' | 'misspelling' | 'ontology' (a terminology name)
    case_sensitive = Column(Boolean, nullable=False, default=False)


class ServiceRow(Base):
    __tablename__ = "kb_services"
    id = Column(_ID, primary_key=True)
    position = Column(Integer, nullable=False)  # vocabulary order, so related services list together
    name = Column(String(200), nullable=False)
    description = Column(Text, nullable=False)
    parent_id = Column(_ID, ForeignKey("kb_services.id"), nullable=True)
    condition_decides = Column(Boolean, nullable=False, default=False)


class ServiceAliasRow(Base):
    __tablename__ = "kb_service_aliases"
    service_id = Column(_ID, ForeignKey("kb_services.id"), primary_key=True)
    alias = Column(String(200), primary_key=True)
    kind = Column(String(20), nullable=False)
    case_sensitive = Column(Boolean, nullable=False, default=False)


# ---------------------------------------------------------------------------------------------------
# Hospital content: every row has a source
# ---------------------------------------------------------------------------------------------------


class HospitalRow(Base):
    __tablename__ = "kb_hospitals"
    id = Column(_ID, primary_key=True)
    name = Column(String(200), nullable=False)
    short_name = Column(String(100), nullable=True)
    # The hospital whose website published the page, when the page itself does not name its hospital.
    site_owner_id = Column(_ID, ForeignKey("kb_hospitals.id"), nullable=True)
    note = Column(Text, nullable=True)
    note_source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=True)
    source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=False)

    source = relationship(SourceRow, foreign_keys=[source_id])


class HospitalAliasRow(Base):
    __tablename__ = "kb_hospital_aliases"
    hospital_id = Column(_ID, ForeignKey("kb_hospitals.id"), primary_key=True)
    alias = Column(String(200), primary_key=True)


class OrganizationRow(Base):
    """A body that is not a hospital but appears on a page (KIMA, which published the SMC news item)."""

    __tablename__ = "kb_organizations"
    id = Column(_ID, primary_key=True)
    name = Column(String(200), nullable=False)
    short_name = Column(String(100), nullable=True)
    description = Column(Text, nullable=False)
    source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=False)


class OrganizationAliasRow(Base):
    __tablename__ = "kb_organization_aliases"
    organization_id = Column(_ID, ForeignKey("kb_organizations.id"), primary_key=True)
    alias = Column(String(200), primary_key=True)


class UnitRow(Base):
    """A department, division, field or center of a hospital, optionally inside another unit."""

    __tablename__ = "kb_units"
    __table_args__ = (CheckConstraint("kind in ('department', 'division', 'field', 'center')", name="kind"),)
    id = Column(_ID, primary_key=True)
    hospital_id = Column(_ID, ForeignKey("kb_hospitals.id"), nullable=False, index=True)
    parent_id = Column(_ID, ForeignKey("kb_units.id"), nullable=True)
    kind = Column(String(20), nullable=False)
    name = Column(String(200), nullable=False)
    official_name = Column(String(200), nullable=True)
    full_name = Column(String(400), nullable=False)
    serves_age_group = Column(String(10), nullable=True)
    age_group_note = Column(Text, nullable=True)
    source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=False)

    hospital = relationship(HospitalRow)


class UnitAliasRow(Base):
    __tablename__ = "kb_unit_aliases"
    unit_id = Column(_ID, ForeignKey("kb_units.id"), primary_key=True)
    alias = Column(String(200), primary_key=True)


class TreatmentRow(Base):
    """A unit treats a condition, or every condition of a category, for an age group."""

    __tablename__ = "kb_treatments"
    __table_args__ = (
        CheckConstraint("(condition_id is null) <> (category_id is null)", name="condition_or_category"),
        CheckConstraint(_AGE_GROUP_CHECK, name="age_group"),
    )
    id = Column(String(250), primary_key=True)
    unit_id = Column(_ID, ForeignKey("kb_units.id"), nullable=False, index=True)
    condition_id = Column(_ID, ForeignKey("kb_conditions.id"), nullable=True)
    category_id = Column(_ID, ForeignKey("kb_categories.id"), nullable=True)
    age_group = Column(String(10), nullable=False)  # 'child' | 'adult' | 'any'
    reason = Column(Text, nullable=False)
    note = Column(Text, nullable=True)
    as_of = Column(String(10), nullable=True)
    as_of_source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=True)
    source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=False)


class OfferingRow(Base):
    """A unit offers a service or treatment."""

    __tablename__ = "kb_offerings"
    __table_args__ = (UniqueConstraint("unit_id", "service_id"),)
    id = Column(String(250), primary_key=True)
    unit_id = Column(_ID, ForeignKey("kb_units.id"), nullable=False, index=True)
    service_id = Column(_ID, ForeignKey("kb_services.id"), nullable=False, index=True)
    text = Column(Text, nullable=False)
    as_of = Column(String(10), nullable=True)
    as_of_source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=True)
    source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=False)


class PartnerDepartmentRow(Base):
    """A unit collaborates with a department, for a purpose."""

    __tablename__ = "kb_partner_departments"
    id = Column(String(250), primary_key=True)
    position = Column(Integer, nullable=False)  # the page's order
    unit_id = Column(_ID, ForeignKey("kb_units.id"), nullable=False, index=True)
    department = Column(String(200), nullable=False)
    purpose = Column(Text, nullable=False)
    source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=False)


class FactRow(Base):
    """A fact or figure in plain words, with its value and date where the page gives them."""

    __tablename__ = "kb_facts"
    id = Column(_ID, primary_key=True)
    position = Column(Integer, nullable=False)  # content order, for stable listings
    topic = Column(String(40), nullable=False, index=True)  # the main topic; all topics in kb_fact_topics
    text = Column(Text, nullable=False)
    hospital_id = Column(_ID, ForeignKey("kb_hospitals.id"), nullable=True, index=True)
    unit_id = Column(_ID, ForeignKey("kb_units.id"), nullable=True, index=True)
    organization_id = Column(_ID, ForeignKey("kb_organizations.id"), nullable=True)
    value = Column(Float, nullable=True)
    value_max = Column(Float, nullable=True)
    value_unit = Column(String(200), nullable=True)
    since = Column(String(10), nullable=True)
    as_of = Column(String(10), nullable=True)
    as_of_source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=True)
    source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=False)


class FactTopicRow(Base):
    __tablename__ = "kb_fact_topics"
    fact_id = Column(_ID, ForeignKey("kb_facts.id"), primary_key=True)
    topic = Column(String(40), primary_key=True)


class FactServiceRow(Base):
    __tablename__ = "kb_fact_services"
    fact_id = Column(_ID, ForeignKey("kb_facts.id"), primary_key=True)
    service_id = Column(_ID, ForeignKey("kb_services.id"), primary_key=True)


class FactConditionRow(Base):
    __tablename__ = "kb_fact_conditions"
    fact_id = Column(_ID, ForeignKey("kb_facts.id"), primary_key=True)
    condition_id = Column(_ID, ForeignKey("kb_conditions.id"), primary_key=True)


class FactTranslationRow(Base):
    """A fact's text in a patient's language (content/translations/<code>.yml), stored beside the fact's
    English text and cited sentence, never instead of them; not yet reviewed by a native speaker unless
    `reviewed_by_native_speaker` says so."""

    __tablename__ = "kb_fact_translations"
    fact_id = Column(_ID, ForeignKey("kb_facts.id"), primary_key=True)
    language = Column(String(8), primary_key=True)  # 'ko', 'ru', 'zh', 'mn', 'ar'
    text = Column(Text, nullable=False)
    reviewed_by_native_speaker = Column(Boolean, nullable=False, default=False)


class FollowUpStepRow(Base):
    __tablename__ = "kb_follow_up_steps"
    __table_args__ = (UniqueConstraint("unit_id", "step"),)
    id = Column(String(250), primary_key=True)
    unit_id = Column(_ID, ForeignKey("kb_units.id"), nullable=False, index=True)
    step = Column(Integer, nullable=False)
    text = Column(Text, nullable=False)
    source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=False)


class ContactRow(Base):
    """A contact line: whose it is (organization or hospital) and which hospital's page shows it."""

    __tablename__ = "kb_contacts"
    id = Column(_ID, primary_key=True)
    organization_id = Column(_ID, ForeignKey("kb_organizations.id"), nullable=True)
    hospital_id = Column(_ID, ForeignKey("kb_hospitals.id"), nullable=True)
    about_hospital_id = Column(_ID, ForeignKey("kb_hospitals.id"), nullable=True)
    kind = Column(String(20), nullable=False)
    value = Column(String(100), nullable=False)
    label = Column(String(200), nullable=False)
    note = Column(Text, nullable=True)
    source_id = Column(String(32), ForeignKey("kb_sources.id"), nullable=False)


# Parents before children: the order rows are inserted in (and deleted in reverse).
class BuildRow(Base):
    """One row: the id of the build that wrote the tables (a new one every `knowledge build`), so that a
    process keeping the store's rows in memory knows when they changed."""

    __tablename__ = "kb_build"
    id = Column(String(32), primary_key=True)


TABLES_IN_DEPENDENCY_ORDER = [
    BuildRow.__table__, SourceRow.__table__, TerminologyRow.__table__, CategoryRow.__table__, CategoryOntologyClassRow.__table__,
    ConditionRow.__table__, ConditionOntologyIdRow.__table__, ConditionAliasRow.__table__,
    ServiceRow.__table__, ServiceAliasRow.__table__, HospitalRow.__table__, HospitalAliasRow.__table__,
    OrganizationRow.__table__, OrganizationAliasRow.__table__, UnitRow.__table__, UnitAliasRow.__table__,
    TreatmentRow.__table__, OfferingRow.__table__, PartnerDepartmentRow.__table__, FactRow.__table__,
    FactTopicRow.__table__, FactServiceRow.__table__, FactConditionRow.__table__, FactTranslationRow.__table__,
    FollowUpStepRow.__table__,
    ContactRow.__table__,
]
assert {t.name for t in TABLES_IN_DEPENDENCY_ORDER} == set(KNOWLEDGE_METADATA.tables), "list every kb_ table"
