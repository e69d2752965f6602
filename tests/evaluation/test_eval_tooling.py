"""Unit tests of the evaluation tooling (evaluation/): data files, scoring, report parsing, the load
client, memory sampling, rendering. None of them needs a trained model or a running bot."""
from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from settings import PROJECT_ROOT

if str(PROJECT_ROOT) not in sys.path:  # `evaluation` is not an installed package
    sys.path.insert(0, str(PROJECT_ROOT))

from evaluation import bench, common, entities, loadclient, quality  # noqa: E402


# --- the data files ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def routing():
    return quality.load_routing_cases()


def test_routing_cases_are_many_and_varied(routing):
    cases, _ = routing
    assert len(cases) >= 100
    tags = [t for case in cases for t in case["tags"]]
    for tag, minimum in {"adult": 30, "child": 20, "lay": 15, "typo": 5, "listed": 30, "unlisted": 20,
                         "out_of_scope": 10, "multi_turn": 3, "benign": 5}.items():
        assert tags.count(tag) >= minimum, tag
    expected = {unit for case in cases for unit in case["expect"]}
    assert len(expected) == 5, expected  # every routable unit is tested
    texts = [" / ".join(c["turns"]).lower() for c in cases]
    assert len(set(texts)) == len(texts), "duplicate routing cases"
    assert len({c["id"] for c in cases}) == len(cases)


def test_routing_units_exist_in_the_knowledge_store(routing):
    _, units = routing
    known = quality.known_unit_ids()
    assert known, "knowledge/content/ defines no units"
    assert set(units.values()) <= known, set(units.values()) - known


def test_routing_cases_are_not_copies_of_training_or_test_examples(routing):
    cases, _ = routing
    seen = common.training_texts()
    if quality.TEST_NLU.exists():
        seen |= {common.normalise_text(t) for _, t in common.read_nlu_examples(quality.TEST_NLU)}
    copies = [turn for case in cases for turn in case["turns"]
              if len(turn.split()) > 3 and common.normalise_text(turn) in seen]
    assert not copies


def test_routing_cases_are_not_near_copies_of_training_examples(routing):
    import difflib

    cases, _ = routing
    seen = sorted(common.training_texts())
    near = []
    for turn in (turn for case in cases for turn in case["turns"] if len(turn.split()) >= 5):
        text = common.normalise_text(turn)
        near += [(text, match) for match in difflib.get_close_matches(text, seen, n=1, cutoff=0.9)]
    assert not near


def test_ancestors_of_expected_units_are_accepted(routing):
    cases, units = routing
    hematology = next(c for c in cases if c["expect"] == [units["hematology"]])
    assert "snuh_hmo" in hematology["also_ok"]


def test_conversation_scripts():
    scripts = loadclient.load_conversations()
    assert len(scripts) >= 10
    assert all(len(s["turns"]) >= 3 for s in scripts)
    assert len({tuple(s["turns"]) for s in scripts}) == len(scripts)


def test_baseline_config_is_rasas_default():
    """The baseline is what `rasa init` trains: its config leaves pipeline and policies to Rasa's default."""
    import rasa

    rasa_dir = Path(rasa.__file__).parent
    init_config = yaml.safe_load((rasa_dir / "cli" / "initial_project" / "config.yml").read_text())
    assert not init_config.get("pipeline") and not init_config.get("policies")
    default = yaml.safe_load((rasa_dir / "engine" / "recipes" / "config_files" / "default_config.yml").read_text())
    ours = yaml.safe_load(common.BASELINE_CONFIG.read_text())
    assert ours["pipeline"] == default["pipeline"]
    assert ours["policies"] == default["policies"]
    assert ours["language"] == default["language"]


def test_smoke_config_sets_every_epoch(tmp_path):
    target = common.smoke_config(common.BASELINE_CONFIG, tmp_path / "c.yml", epochs=1)
    config = yaml.safe_load(target.read_text())
    epochs = [c["epochs"] for part in ("pipeline", "policies") for c in config[part] if "epochs" in c]
    assert epochs and set(epochs) == {1}


def test_heldout_out_of_domain_excludes_training_and_is_deterministic():
    training = common.training_texts()
    first, info = common.heldout_out_of_domain(50)
    second, _ = common.heldout_out_of_domain(50)
    assert first == second and len(first) == 50
    assert not {common.normalise_text(t) for t in first} & training
    assert info["pool"] > 1000
    if (PROJECT_ROOT / "data" / "nlu" / "out_of_scope_clinc.yml").exists():
        assert info["excluded_in_training"] > 0


def test_nlu_file_reading(tmp_path):
    path = tmp_path / "nlu.yml"
    path.write_text(
        'version: "3.1"\nnlu:\n  - intent: ask_route\n    examples: |\n'
        '      - my [mother](relation) has [lung cancer]{"entity": "condition"}\n      - where to go\n'
        "  - intent: out_of_scope\n    examples: |\n      - book a flight\n"
        "  - synonym: leukemia\n    examples: |\n      - leukaemia\n")
    examples = common.read_nlu_examples(path)
    assert ("ask_route", "my mother has lung cancer") in examples
    assert (None, "leukaemia") in examples
    assert common.heldout_in_domain(path) == [("ask_route", "my mother has lung cancer"), ("ask_route", "where to go")]


def test_smoke_subset_of_the_nlu_test_file_keeps_annotations(tmp_path):
    source = tmp_path / "test.yml"
    source.write_text('version: "3.1"\nnlu:\n  - intent: ask_route\n    examples: |\n'
                      '      - my [son](relation) has [leukemia](condition)\n      - b\n      - c\n'
                      "  - intent: greet\n    examples: |\n      - hi\n  - regex: age\n    examples: |\n      - \\d+\n")
    subset = quality.subset_nlu_file(source, tmp_path / "subset.yml", per_intent=2)
    content = yaml.safe_load(subset.read_text())
    assert [item["intent"] for item in content["nlu"]] == ["ask_route", "greet"]
    assert content["nlu"][0]["examples"] == "- my [son](relation) has [leukemia](condition)\n- b\n"


# --- scoring -----------------------------------------------------------------------------------------

CASE = {"id": "r1", "turns": ["my 6 year old has leukemia"], "expect": ["snuh_pediatric_hmo"],
        "also_ok": ["snuh_pediatrics"], "tags": ["child"]}


def entry(**meta):
    return {"replies": [{"text": "..."}, {"custom": {"meta": meta}}], "meta": meta, "error": None}


@pytest.mark.parametrize("meta, outcome", [
    ({"unit_ids": ["snuh_pediatric_hmo"]}, "correct"),
    ({"unit_ids": ["snuh_pediatric_hmo", "snuh_pediatrics"]}, "correct"),
    ({"unit_ids": ["snuh_pediatric_hmo", "snuh_hmo_hematology"]}, "wrong_unit"),
    ({"unit_ids": ["snuh_hmo_hematology"]}, "wrong_unit"),
    ({"unit_ids": ["snuh_hmo_hematology", "snuh_pediatric_hmo"], "needs_age_group": True}, "asked_age_group"),
    ({"unit_ids": [], "declined": True}, "not_routed"),
])
def test_score_routing(meta, outcome):
    assert quality.score_routing(CASE, entry(**meta))["outcome"] == outcome


def test_score_routing_out_of_scope_and_failures():
    oos = dict(CASE, expect=[], also_ok=[])
    assert quality.score_routing(oos, entry(unit_ids=[], declined=True))["outcome"] == "correct"
    assert quality.score_routing(oos, entry(unit_ids=["snuh_hmo"]))["outcome"] == "routed_out_of_scope"
    assert quality.score_routing(CASE, {"replies": [{"text": "hi"}], "meta": None, "error": None})["outcome"] == "no_meta"
    assert quality.score_routing(CASE, {"replies": [], "meta": None, "error": "Timeout"})["outcome"] == "error"


def test_summaries():
    results = [quality.score_routing(CASE, entry(unit_ids=["snuh_pediatric_hmo"])),
               quality.score_routing(CASE, entry(unit_ids=["snuh_hmo"]))]
    summary = quality.summarise_routing(results)
    assert summary["accuracy"] == 0.5 and summary["by_tag"]["child"]["correct"] == 1
    assert [m["outcome"] for m in summary["misses"]] == ["wrong_unit"]
    declines = quality.summarise_declines(
        [dict(entry(declined=True), message="a"), dict(entry(declined=False), message="b"),
         {"message": "c", "meta": None, "error": "x", "replies": []}],
        [dict(entry(declined=True), message="d", intent="ask_route"), dict(entry(declined=False), message="e")])
    assert declines["out_of_domain"]["declined_share"] == pytest.approx(1 / 3)
    assert declines["out_of_domain"]["errors"] == 1
    assert declines["in_domain"]["wrongly_declined_share"] == 0.5


def test_reply_meta_and_percentiles():
    assert common.reply_meta([{"text": "x"}]) is None
    assert common.reply_meta([{"custom": {"meta": {"a": 1}}}, {"custom": {"meta": {"a": 2}}}]) == {"a": 2}
    assert common.percentile([], 50) is None
    assert common.percentile([1, 2, 3, 4], 50) == 2.5
    assert common.percentile(range(101), 95) == 95
    assert common.ratio(1, 0) is None and common.ratio(1, 2) == 0.5


# --- reading Rasa's test reports ---------------------------------------------------------------------

def test_read_nlu_results(tmp_path):
    (tmp_path / "intent_report.json").write_text(json.dumps({
        "greet": {"precision": 1.0, "recall": 0.5, "f1-score": 0.667, "support": 2, "confused_with": {"ask_route": 1}},
        "ask_route": {"precision": 0.5, "recall": 1.0, "f1-score": 0.667, "support": 1, "confused_with": {}},
        "accuracy": 0.667,
        "macro avg": {"precision": 0.75, "recall": 0.75, "f1-score": 0.667, "support": 3},
        "weighted avg": {"precision": 0.83, "recall": 0.67, "f1-score": 0.667, "support": 3}}))
    (tmp_path / "intent_successes.json").write_text(json.dumps([
        {"text": "hi", "intent": "greet", "intent_prediction": {"name": "greet", "confidence": 0.9}},
        {"text": "lung cancer", "intent": "ask_route", "intent_prediction": {"name": "ask_route", "confidence": 0.8}}]))
    (tmp_path / "intent_errors.json").write_text(json.dumps([
        {"text": "hello where", "intent": "greet", "intent_prediction": {"name": "ask_route", "confidence": 0.6}}]))
    (tmp_path / "DIETClassifier_report.json").write_text(json.dumps({
        "condition": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 4},
        "weighted avg": {"precision": 1.0, "recall": 1.0, "f1-score": 1.0, "support": 4}}))
    result = quality.read_nlu_results(tmp_path)
    assert result["intents"]["accuracy"] == 0.667
    assert result["intents"]["worst_confused_pairs"][0] == {
        "intent": "greet", "predicted": "ask_route", "count": 1, "share_of_intent": 0.5, "examples": ["hello where"]}
    assert result["entities"]["DIETClassifier"]["weighted_avg"]["f1-score"] == 1.0
    assert len(result["predictions"]) == 3
    quality.plot_confusion_matrix(result["predictions"], tmp_path / "cm.png", "test")
    assert_png(tmp_path / "cm.png")


def test_read_story_results(tmp_path):
    (tmp_path / "story_report.json").write_text(json.dumps({
        "accuracy": 0.9, "weighted avg": {"f1-score": 0.88},
        "conversation_accuracy": {"accuracy": 0.5, "correct": 1, "with_warnings": 0, "total": 2}}))
    (tmp_path / "failed_test_stories.yml").write_text(
        "version: \"3.1\"\nstories:\n- story: child leukemia (tests/stories/route.yml)\n  steps:\n  - intent: greet\n")
    result = quality.read_story_results(tmp_path)
    assert result["pass_rate"] == 0.5 and result["failed"] == 1
    assert result["failed_stories"] == ["child leukemia (route.yml)"]


# --- the load client ---------------------------------------------------------------------------------

def test_load_client_counts_latency_errors_and_empty_replies():
    from aiohttp import web

    seen = []

    async def webhook(request):
        body = await request.json()
        seen.append(body["sender"])
        if body["message"] == "fail":
            return web.Response(status=500, text="boom")
        if body["message"] == "silent":
            return web.json_response([])
        await asyncio.sleep(0.01)
        return web.json_response([{"text": "ok"}])

    async def scenario():
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", webhook)
        runner = web.AppRunner(app)
        await runner.setup()
        port = common.free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            scripts = [{"name": "a", "turns": ["hello", "fail", "silent", "thanks"]}]
            return await loadclient.run_level(f"http://127.0.0.1:{port}/webhooks/rest/webhook", scripts,
                                              concurrency=3, conversations=6)
        finally:
            await runner.cleanup()

    result = asyncio.run(scenario()).summary()
    assert result["conversations"] == 6 and result["messages"] == 24
    assert result["errors"] == 6 and result["error_kinds"] == {"HTTP 500": 6}
    assert result["empty_replies"] == 6
    latency = result["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"] <= latency["p99"] <= latency["max"]
    assert latency["max"] >= 10  # the server sleeps 10 ms on normal messages
    assert len(set(seen)) == 6  # a fresh sender per conversation


def test_load_client_counts_refused_connections():
    url = f"http://127.0.0.1:{common.free_port()}/webhooks/rest/webhook"
    result = loadclient.play(url, [{"name": "a", "turns": ["hi", "bye"]}], 2, 2, timeout=2).summary()
    assert result["messages"] == 4 and result["errors"] == 4
    assert result["latency_ms"]["p50"] is None


def test_rss_includes_children():
    import subprocess

    child = subprocess.Popen([sys.executable, "-c", "x = bytearray(60 * 2**20); import time; time.sleep(30)"])
    try:
        import time

        time.sleep(1.0)
        own = common.rss_bytes(os.getpid())
        assert child.pid in common.process_tree(os.getpid())
        with common.RssSampler({"me": os.getpid()}, interval=0.05) as sampler:
            time.sleep(0.2)
        assert sampler.samples >= 2
        assert sampler.peak["me"] >= own - 5 * 2**20
        assert own > common.rss_bytes(child.pid) >= 60 * 2**20
    finally:
        child.kill()
        child.wait()


# --- rendering ---------------------------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", path
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width > 100 and height > 100


def test_bench_rendering_and_targets(tmp_path):
    def level(c, p95, errors=0):
        return {"concurrency": c, "conversations": 10, "messages": 50, "errors": errors, "error_kinds": {},
                "error_rate": errors / 50, "empty_replies": 0, "seconds": 5.0, "messages_per_second": 10.0,
                "latency_ms": {"p50": p95 / 2, "p95": p95, "p99": p95 * 1.2, "max": p95 * 2, "mean": p95 / 2, "min": 1.0}}

    def system(scale):
        return {"model": "m.tar.gz", "model_bytes": 30 * 2**20,
                "startup": {"action_server_ready_s": 2.0, "rasa_ready_s": 10.0, "rasa_first_answer_s": 11.0},
                "memory": {"idle_rss_bytes": {"rasa_server": 1, "action_server": 1},
                           "peak_rss_bytes": {"rasa_server": 600 * 2**20, "action_server": 100 * 2**20},
                           "peak_rss_bytes_total": 700 * 2**20, "samples": 10, "includes_children": True},
                "levels": [level(1, 40 * scale), level(10, 120 * scale), level(50, 500 * scale, errors=1)]}

    results = {**common.run_header("bench", False), "load": {"levels": [1, 10, 50], "scripts": 20, "think_time_s": 0,
                                                             "timeout_s": 30, "rounds": 3},
               "training": {"seconds": 120.0, "model_bytes": 1, "config": "config.yml", "other_cpu_share": 0.01},
               "systems": {"ours": system(1), "baseline": system(2)}}
    results["ratios"] = bench.compare(results["systems"]["ours"], results["systems"]["baseline"])
    assert [r["p95_ratio"] for r in results["ratios"]] == [0.5, 0.5, 0.5]
    results["targets"] = bench.check_targets(results)
    assert results["targets"]["p95_under_150ms_at_10"]["met"] is True
    assert results["targets"]["no_errors_at_50"]["met"] is False
    assert results["targets"]["training_under_5_min"]["met"] is True
    markdown = bench.render_markdown(results)
    assert "| system | concurrent |" in markdown and "### Ours / baseline" in markdown
    bench.plot_latency(results, tmp_path / "latency.png")
    assert_png(tmp_path / "latency.png")


def test_measure_training_times_a_forced_training_and_deletes_the_model(tmp_path, monkeypatch):
    calls = []

    def fake_train(config, out_dir, log_path, fixed_name=None, force=False):
        calls.append({"config": config, "force": force, "out": out_dir})
        out_dir.mkdir(parents=True)
        model = out_dir / f"{fixed_name}.tar.gz"
        model.write_bytes(b"x" * 1234)
        return common.TrainResult(model=model, seconds=12.34, config=config, forced=force)

    monkeypatch.setattr(bench, "train_model", fake_train)
    figures = bench.measure_training(tmp_path / "train", tmp_path / "logs")
    assert calls and calls[0]["force"] is True and calls[0]["config"] == PROJECT_ROOT / "config.yml"
    assert calls[0]["out"].is_relative_to(tmp_path)
    assert figures["seconds"] == 12.3 and figures["model_bytes"] == 1234 and figures["forced"] is True
    assert 0 <= figures["other_cpu_share"] <= 1
    assert not (tmp_path / "train" / "model").exists()


def test_cpu_monitor_attributes_cpu_time_to_the_watched_tree():
    import subprocess

    import time

    child = subprocess.Popen([sys.executable, "-c", "import time\nend = time.time() + 20\nwhile time.time() < end: pass"])
    try:
        time.sleep(0.3)
        with common.CpuMonitor({"spinner": child.pid}) as cpu:
            time.sleep(1.5)
    finally:
        child.kill()
        child.wait()
    figures = cpu.figures()
    assert figures["spinner_cores"] > 0.05
    assert 0 <= figures["other_share"] <= 1 and 0 <= figures["total_busy_share"] <= 1


def test_smoke_subset_of_the_test_stories(tmp_path):
    target = quality.subset_story_files(tmp_path / "stories", per_file=2)
    originals = quality.story_files()
    written = sorted(target.glob("test_*.yml"))
    assert [p.name for p in written] == [p.name for p in originals]
    for original, subset in zip(originals, written):
        stories = yaml.safe_load(subset.read_text())["stories"]
        expected = (yaml.safe_load(original.read_text()).get("stories") or [])[:2]
        assert stories == expected


def test_entity_scores_count_exact_type_and_span_only():
    texts = ["my son has skin cancer", "what happens in a skin biopsy"]
    gold = [[("relation", 3, 6), ("condition", 11, 22)], [("service", 18, 29)]]
    predicted = [[("relation", 3, 6), ("condition", 16, 22)],   # "cancer" of "skin cancer": wrong span
                 [("service", 18, 29), ("hospital", 0, 4)]]     # right service, one extra entity
    figures = entities.score(texts, gold, predicted)
    micro = figures["micro"]
    assert (micro["support"], round(micro["precision"], 3), round(micro["recall"], 3)) == (3, 0.5, 0.667)
    assert figures["per_entity"]["condition"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert figures["per_entity"]["service"]["f1"] == 1.0
    assert figures["per_entity"]["hospital"]["support"] == 0
    assert figures["differing_examples"][0] == {"text": texts[0], "missed": ["condition:'skin cancer'"],
                                                "extra": ["condition:'cancer'"]}
