"""Unit tests of the question-answering measurement (evaluation/question_answering.py and
evaluation/qa_cases.yml): the scorer on hand-made replies, the case file's schema and counts, and that
no case is a copy of a training or test message. No trained model or running bot is needed."""
from __future__ import annotations

import fnmatch
import re
import sys
from pathlib import Path

import pytest
import yaml

from settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:  # `evaluation` is not an installed package
    sys.path.insert(0, str(PROJECT_ROOT))

from evaluation import common, quality  # noqa: E402
from evaluation import question_answering as qa  # noqa: E402

PARENTS = {"snuh_internal_medicine": None, "snuh_hmo": "snuh_internal_medicine",
           "snuh_hmo_hematology": "snuh_hmo", "snuh_hmo_medical_oncology": "snuh_hmo",
           "smc_gynecologic_cancer_center": None, "snuh_pediatric_hmo": "snuh_pediatrics",
           "snuh_pediatrics": None}


def bot(*texts: str, units: tuple[str, ...] = (), buttons: tuple[str, ...] = ()) -> list[dict]:
    """Replies as the REST channel returns them: text replies, then the meta reply."""
    replies = [{"recipient_id": "t", "text": t} for t in texts]
    if buttons:
        replies[-1]["buttons"] = [{"title": b, "payload": "/request_human"} for b in buttons]
    replies.append({"recipient_id": "t", "custom": {"meta": {"unit_ids": list(units), "declined": False}}})
    return replies


def score(case: dict, replies: list[dict]) -> dict:
    case = dict({"id": "x", "text": "q", "also": []}, **case)
    case.setdefault("not_stated", case["kind"] == "not_in_pages")
    return qa.score_case(case, replies, parents=PARENTS)


# --- the first sentence ------------------------------------------------------------------------------

def test_first_sentence_skips_lead_in_greeting_sources_and_citations():
    replies = bot("Hello, and welcome. I'm an automated assistant.",
                  "Here is what the hospitals' pages say about skin biopsy:\n"
                  "- **A skin biopsy** takes samples 2 to 4 mm across. [Skin Cancer Center, SNUCH]\n"
                  "- Dermatologists and pathologists decide.",
                  "Source: 002_d7306cf6c8f0948a.txt")
    assert qa.first_sentence(replies) == "A skin biopsy takes samples 2 to 4 mm across."
    assert "Source" not in qa.answer_text(replies) and "[" not in qa.answer_text(replies)


def test_first_sentence_joins_a_short_yes_and_keeps_an_answer_before_a_lead_in():
    assert qa.first_sentence(bot("Yes. The division has used CAR-T since 2022. More here.")) == \
        "Yes. The division has used CAR-T since 2022."
    assert qa.first_sentence(bot("It was founded in 1978. Here is more:\n- Two fields.")) == \
        "It was founded in 1978."
    assert qa.first_sentence(bot("Hello! Please note: I can't diagnose.\nThe division was founded in 1978.")) == \
        "The division was founded in 1978."
    # "e.g. a" does not end a sentence (lower-case letter next); "3,200." does.
    assert qa.first_sentence(bot("They did 3,200 transplants, e.g. autologous ones. Other text.")) == \
        "They did 3,200 transplants, e.g. autologous ones."


# --- fact --------------------------------------------------------------------------------------------

FACT = {"kind": "fact", "first_sentence": [["2 to 4|2-4"], ["two to four"]]}


def test_fact_in_the_first_sentence_passes():
    result = score(FACT, bot("Here is what the pages say about skin biopsy:\n- Samples 2 to 4 mm across are taken."))
    assert result["passed"], result["reasons"]


def test_fact_only_in_the_second_sentence_fails():
    result = score(FACT, bot("Tests are done by experienced professionals. Samples are 2 to 4 mm across."))
    assert not result["passed"]
    assert result["reasons"] == ["asked fact not in the first sentence"]


def test_fact_alternative_needs_every_term_of_one_group():
    case = {"kind": "fact", "first_sentence": [["Laboratory Medicine", "Infectious Diseases"]]}
    assert score(case, bot("It works with Laboratory Medicine and Infectious Diseases."))["passed"]
    assert not score(case, bot("It works with Laboratory Medicine."))["passed"]


def test_an_error_or_an_empty_answer_fails():
    assert not qa.score_case(dict(FACT, id="x", text="q"), [], error="TimeoutError", parents=PARENTS)["passed"]
    assert "no answer text" in score({"kind": "right_hospital", "forbidden": ["13"]}, bot())["reasons"]


# --- not_in_pages ------------------------------------------------------------------------------------

NOT_IN_PAGES = {"kind": "not_in_pages", "forbidden": ["3,200", "1985"]}


def test_pages_dont_say_with_a_coordinator_passes():
    result = score(NOT_IN_PAGES, bot("The hospitals' pages give no information on prices. "
                                     "An international coordinator can answer it for you."))
    assert result["passed"], result["reasons"]
    # The coordinator may be offered as a button instead.
    assert score(NOT_IN_PAGES, bot("The pages I have do not say what a transplant costs.",
                                   buttons=("Talk to a coordinator",)))["passed"]


def test_pages_dont_say_that_recites_a_forbidden_fact_fails():
    result = score(NOT_IN_PAGES, bot("The pages do not give prices. SNUH has done 3,200 transplants since 1985. "
                                     "A coordinator can help."))
    assert not result["passed"]
    assert any("3,200" in r for r in result["reasons"])


def test_a_recital_instead_of_i_dont_know_fails_every_check():
    recital = "Here is what the pages say:\n- " + "SNUH performs stem cell transplants. " * 20
    reasons = score({"kind": "not_in_pages"}, bot(recital))["reasons"]
    assert reasons[:2] == ["does not say the pages give no information", "offers no coordinator"]
    assert reasons[2].startswith("too long before the coordinator") and len(reasons) == 3


def test_a_long_answer_before_the_coordinator_fails_even_when_it_says_no_information():
    long = "The pages give no information on that. " + "Other words here. " * 30
    result = score({"kind": "not_in_pages"}, bot(long + "A coordinator can help."))
    assert not result["passed"]
    assert result["reasons"][0].startswith("too long before the coordinator")


def test_an_out_of_scope_decline_is_not_a_pages_dont_say():
    result = score({"kind": "not_in_pages"}, bot("I'm sorry, that's outside what I can help with."))
    assert "does not say the pages give no information" in result["reasons"]


# --- two_part and right_hospital ---------------------------------------------------------------------

TWO_PART = {"kind": "two_part", "units": ["snuh_hmo_medical_oncology"], "answer": [["clinical trial"]],
            "order": ["Medical Oncology", "trial"]}


def test_two_part_with_route_then_fact_passes_and_an_ancestor_unit_counts():
    replies = bot("For an adult with lung cancer: Medical Oncology (SNUH).",
                  "The division leads international clinical trials.", units=("snuh_hmo",))
    result = score(TWO_PART, replies)
    assert result["passed"], result["reasons"]


def test_two_part_losing_the_second_part_or_the_route_fails():
    lost_fact = score(TWO_PART, bot("For an adult with lung cancer: Medical Oncology.",
                                    units=("snuh_hmo_medical_oncology",)))
    assert "asked fact not in the answer" in lost_fact["reasons"]
    no_route = score(TWO_PART, bot("The division leads international clinical trials.",
                                   units=("smc_gynecologic_cancer_center",)))
    assert "unit snuh_hmo_medical_oncology not in meta" in no_route["reasons"]
    assert "first part not said" in no_route["reasons"]


def test_two_part_in_the_wrong_order_fails():
    result = score(TWO_PART, bot("There are clinical trials. Go to Medical Oncology.",
                                 units=("snuh_hmo_medical_oncology",)))
    assert result["reasons"] == ["parts answered out of order"]


def test_right_hospital_rejects_another_units_facts_and_descendants():
    case = {"kind": "right_hospital", "answer": [["trial"]], "forbidden_units": ["snuh_hmo"],
            "forbidden": ["\\b13\\b"]}
    assert score(case, bot("Trials at the children's unit.", units=("snuh_pediatric_hmo",)))["passed"]
    wrong = score(case, bot("The center takes part in 13 trials.", units=("snuh_hmo_hematology",)))
    assert wrong["reasons"] == ["forbidden unit snuh_hmo in meta", "forbidden '13' in the answer"]


def test_summary_counts_per_kind_and_also_kinds():
    results = [score(dict(TWO_PART, also=["right_hospital"]), bot("nothing")),
               score(FACT, bot("2 to 4 mm."))]
    summary = qa.summarise(results)
    assert summary["accuracy"] == 0.5
    assert summary["by_kind"]["right_hospital"] == {"cases": 1, "passed": 0, "accuracy": 0.0}
    assert summary["by_kind"]["fact"]["passed"] == 1
    assert [m["kind"] for m in summary["misses"]] == ["two_part"]
    table = "\n".join(qa.render_markdown({"ours": summary, "baseline": summary}))
    assert "| fact | 1 | 100.0 % | 100.0 % |" in table and "Misses (ours: 1" in table


# --- the case file -----------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=[qa.CASES, qa.HELDOUT_CASES, qa.FRESH_CASES, qa.UNSEEN_CASES],
                ids=["tuned", "held_out", "fresh", "unseen"])
def cases(request):
    return qa.load_cases(request.param)


def test_the_held_out_sets_share_no_question_with_the_tuned_set_or_each_other():
    tuned = {common.normalise_text(c["text"]) for c in qa.load_cases()}
    heldout = qa.load_cases(qa.HELDOUT_CASES)
    fresh = qa.load_cases(qa.FRESH_CASES)
    assert len(heldout) >= 60 and len(fresh) >= 120
    assert not [c["id"] for c in heldout if common.normalise_text(c["text"]) in tuned]
    earlier = tuned | {common.normalise_text(c["text"]) for c in heldout}
    assert not [c["id"] for c in fresh if common.normalise_text(c["text"]) in earlier]
    unseen = qa.load_cases(qa.UNSEEN_CASES)
    earlier |= {common.normalise_text(c["text"]) for c in fresh}
    assert len(unseen) >= 70 and not [c["id"] for c in unseen if common.normalise_text(c["text"]) in earlier]


def test_case_counts():
    cases = qa.load_cases()
    kinds = [c["kind"] for c in cases]
    assert len(cases) >= 120
    assert kinds.count("fact") >= 65 and kinds.count("not_in_pages") >= 25
    assert kinds.count("two_part") >= 15
    assert sum("right_hospital" in [c["kind"], *c["also"]] for c in cases) >= 10


def test_cases_are_well_formed_and_grounded(cases):
    content = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
               for p in (PROJECT_ROOT / "knowledge" / "content").glob("*.yml")}
    units = quality.known_unit_ids()
    for case in cases:
        expected = {"fact": "first_sentence", "two_part": "units", "right_hospital": "forbidden_units"}
        assert case["kind"] == "not_in_pages" or expected[case["kind"]] in case, case["id"]
        if case["kind"] == "two_part":
            # `order` where the question asks where to go first; a question asking the fact first has
            # an `answer` alternative that needs both parts instead
            assert "answer" in case or "order" in case, case["id"]
        assert set(case.get("units", []) + case.get("forbidden_units", [])) <= units, case["id"]
        # `why` cites <content file>:<quote key>[, key...]; a not_in_pages case may instead say what no
        # quote gives ("no quote gives a price").
        refs = [(stem, key) for stem, keys in re.findall(r"(\w+):([\w*]+(?:, [\w*]+)*)", case["why"])
                if stem in content for key in keys.split(", ")]
        for stem, key in refs:
            assert fnmatch.filter(content[stem]["quotes"], key), (case["id"], stem, key)
        assert refs or (case["kind"] == "not_in_pages" and re.search(r"\bno\b", case["why"])), case["id"]
    texts = [common.normalise_text(c["text"]) for c in cases]
    assert len(set(texts)) == len(texts), "duplicate questions"


def test_cases_are_not_in_the_training_data_or_the_nlu_test_file(cases):
    seen = common.training_texts()
    seen |= {common.normalise_text(t) for _, t in common.read_nlu_examples(quality.TEST_NLU)}
    assert len(seen) > 100  # the check compares against something
    assert not [c["text"] for c in cases if common.normalise_text(c["text"]) in seen]


def test_load_cases_rejects_bad_cases(tmp_path: Path):
    bad = {"duplicate id": [{"id": "a", "kind": "fact", "text": "q", "why": "w", "first_sentence": [["x"]]}] * 2,
           "kind must be": [{"id": "a", "kind": "trivia", "text": "q", "why": "w", "answer": [["x"]]}],
           "bad regex": [{"id": "a", "kind": "fact", "text": "q", "why": "w", "first_sentence": [["("]]}],
           "checks nothing": [{"id": "a", "kind": "fact", "text": "q", "why": "w"}],
           "why is missing": [{"id": "a", "kind": "fact", "text": "q", "first_sentence": [["x"]]}]}
    for message, raw in bad.items():
        path = tmp_path / "cases.yml"
        path.write_text(yaml.safe_dump({"cases": raw}), encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            qa.load_cases(path)


def test_cases_are_not_near_copies_of_training_or_test_messages(cases):
    import difflib

    seen = sorted(common.training_texts() | {common.normalise_text(t) for _, t
                                             in common.read_nlu_examples(quality.TEST_NLU)})
    near = [(c["id"], match) for c in cases
            for match in difflib.get_close_matches(common.normalise_text(c["text"]), seen, n=1, cutoff=0.9)]
    assert not near


# --- make eval's run ---------------------------------------------------------------------------------

def test_quality_run_scores_each_qa_case_on_its_own_reply(monkeypatch, tmp_path):
    """evaluate_bot sends the qa cases after the routing, out-of-domain and in-domain messages; each case
    must be scored on the reply to its own question (an off-by-one would score another message's reply)."""
    class FakeStack:
        url, timings = "http://bot", {}

        def env(self):
            return {}

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return None

    async def fake_conversations(url, conversations, concurrency=4, timeout=60):
        return [[{"message": turns[-1], "meta": None, "error": None,
                  "replies": bot(f"Reply to: {turns[-1]}.", units=("snuh_hmo",))}] for turns in conversations]

    monkeypatch.setattr(quality.common, "start_stack", lambda *a, **k: FakeStack())
    monkeypatch.setattr(quality.common, "run_conversations", fake_conversations)
    monkeypatch.setattr(quality, "run_nlu_test", lambda *a, **k: {})
    monkeypatch.setattr(quality, "run_story_tests", lambda *a, **k: {})
    qa_cases = [{"id": f"q{i}", "kind": "fact", "also": [], "text": f"question {i}", "why": "w",
                 "first_sentence": [[f"question {i}\\b"]], "not_stated": False} for i in range(3)]
    routing = [{"id": "r1", "turns": ["route me"], "expect": ["snuh_hmo"], "also_ok": [], "tags": []}]
    # the held-out set: its questions are answered after the first set's, and one of its two fails
    heldout = [{"id": "h0", "kind": "fact", "also": [], "text": "held out 0", "why": "w",
                "first_sentence": [["held out 0\\b"]], "not_stated": False},
               {"id": "h1", "kind": "fact", "also": [], "text": "held out 1", "why": "w",
                "first_sentence": [["something else"]], "not_stated": False}]
    measured = quality.evaluate_bot("ours", tmp_path / "m.tar.gz", tmp_path, routing, ["weather?"],
                                    [("ask_route", "where to go")], 1,
                                    qa_sets={"question_answering": qa_cases, "question_answering_heldout": heldout})
    summary = measured["bot"]["question_answering"]
    assert summary["cases"] == 3 and summary["passed"] == 3, summary["misses"]
    assert quality.headline(measured)["question_answering"] == 1.0
    assert measured["bot"]["question_answering_heldout"]["passed"] == 1
    assert quality.headline(measured)["question_answering_heldout"] == 0.5
    results = {"systems": {"ours": {"model": "m", "config": "c", "nlu": {"skipped": "no test file"},
                                    "bot": measured["bot"]}},
               "summary": {"ours": quality.headline(measured)}, "started_at": "t", "git_revision": "r",
               "smoke": True}
    markdown = quality.render_markdown(results)
    assert "| Question answering: share of qa_cases.yml answered as asked | 100.0 % |" in markdown
    assert "## Question answering" in markdown and "| fact | 3 | 100.0 % |" in markdown
