"""Each topic is defined once (actions/topics.py); everything else that names it must agree."""
from __future__ import annotations

from pathlib import Path

import yaml

from actions.topics import SERVICE_OF_TOPIC, TOPIC_OF_INTENT, TOPIC_OF_SERVICE, TOPICS, topic_family
from knowledge.catalog import default_catalog
from knowledge.topics import TOPICS as STORE_TOPICS
from messages import catalog

PROJECT = Path(__file__).resolve().parents[2]


def test_every_topic_is_a_store_topic_with_a_title():
    for topic in TOPICS:
        assert topic.id in STORE_TOPICS, topic.id
        assert all(other in STORE_TOPICS for other in topic.also_answered_by), topic.id
        assert f"topic_title.{topic.id}" in catalog(), topic.id


def test_every_topic_intent_is_in_the_domain_and_answered_by_the_topic_rule():
    domain = yaml.safe_load((PROJECT / "domain.yml").read_text(encoding="utf-8"))
    assert set(TOPIC_OF_INTENT) <= set(domain["intents"])
    rules = yaml.safe_load((PROJECT / "data/rules/knowledge.yml").read_text(encoding="utf-8"))["rules"]
    answered = {entry["intent"] for rule in rules if {"action": "action_answer_topic"} in rule["steps"]
                for step in rule["steps"] for entry in step.get("or", [])}
    assert answered == set(TOPIC_OF_INTENT)


def test_every_service_named_is_a_store_service():
    services = set(default_catalog().services)
    assert set(SERVICE_OF_TOPIC.values()) <= services
    assert set(TOPIC_OF_SERVICE) <= services


def test_a_topic_family_starts_with_the_topic():
    assert topic_family("about") == ("about", "research")
    assert topic_family("car_t") == ("car_t",)
    assert topic_family(None) == ()
