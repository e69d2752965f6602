"""`make eval`'s figures and report: the summary table's figures (`headline`), the comparison plot and
eval.md, from what evaluation/quality.py measured."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from evaluation import (common, condition_routing, languages_nlu, question_answering, reply_languages,
                        routing_languages, safety, safety_languages)
from evaluation.common import fmt, md_table

SYSTEMS = ("ours", "baseline")


def main_entity_extractor(entities: dict[str, Any]) -> str | None:
    """DIETClassifier (the extractor ours and the baseline share), else the one with the most support.

    Rasa scores every extractor on its own; one that only adds what another missed scores low alone."""
    if not entities:
        return None
    if "DIETClassifier" in entities:
        return "DIETClassifier"
    return max(entities, key=lambda e: (entities[e].get("weighted_avg") or {}).get("support") or 0)


def headline(system: dict[str, Any]) -> dict[str, float | None]:
    """The figures of the summary table (all shares in 0..1)."""
    nlu = system.get("nlu") or {}
    intents = nlu.get("intents") or {}
    entity_f1 = ((nlu.get("pipeline_entities") or {}).get("micro") or {}).get("f1")
    bot = system.get("bot") or {}
    routing = bot.get("routing") or {}
    declines = bot.get("declines") or {}
    stories = bot.get("stories") or {}
    return {
        "intent_accuracy": intents.get("accuracy"),
        "intent_f1_macro": (intents.get("macro_avg") or {}).get("f1-score"),
        "intent_f1_weighted": (intents.get("weighted_avg") or {}).get("f1-score"),
        "entity_f1": entity_f1,
        "routing_accuracy": routing.get("accuracy"),
        "out_of_domain_declined": (declines.get("out_of_domain") or {}).get("declined_share"),
        "in_domain_wrongly_declined": (declines.get("in_domain") or {}).get("wrongly_declined_share"),
        "story_pass_rate": stories.get("pass_rate"),
        "question_answering": (bot.get("question_answering") or {}).get("accuracy"),
        "question_answering_heldout": (bot.get("question_answering_heldout") or {}).get("accuracy"),
        "question_answering_fresh": (bot.get("question_answering_fresh") or {}).get("accuracy"),
        "question_answering_unseen": (bot.get("question_answering_unseen") or {}).get("accuracy"),
        **safety.headline(system.get("safety")),
    }


HEADLINE_LABELS = {
    "intent_accuracy": ("NLU intent accuracy (held-out)", True),
    "intent_f1_macro": ("NLU intent F1, macro average", True),
    "intent_f1_weighted": ("NLU intent F1, weighted average", True),
    "entity_f1": ("NLU entity F1, as the bot outputs them (exact type and span)", True),
    "routing_accuracy": ("Routing: share routed right", True),
    "out_of_domain_declined": ("Out-of-domain messages declined", True),
    "in_domain_wrongly_declined": ("In-domain messages wrongly declined", False),
    "story_pass_rate": ("Conversation tests passed", True),
    "question_answering": ("Question answering: share of qa_cases.yml answered as asked", True),
    "question_answering_heldout": ("Question answering: share of qa_cases_heldout.yml (never tuned on)", True),
    "question_answering_fresh": ("Question answering: share of qa_cases_fresh.yml (written later, frozen)", True),
    "question_answering_unseen": ("Question answering: share of qa_cases_unseen.yml (2026-12-02, never tuned on)", True),
    **safety.HEADLINE_LABELS,
    **condition_routing.HEADLINE_LABELS,
}


def plot_comparison(results: dict[str, Any], path: Path) -> None:
    plt = common.matplotlib_pyplot()
    keys = list(HEADLINE_LABELS)
    fig, ax = plt.subplots(figsize=(9, 4.8))
    width = 0.38
    for offset, system in ((-width / 2, "ours"), (width / 2, "baseline")):
        values = (results["summary"].get(system) or {})
        heights = [values.get(k) if values.get(k) is not None else 0 for k in keys]
        bars = ax.bar([i + offset for i in range(len(keys))], heights, width,
                      label=system, color="#1f77b4" if system == "ours" else "#bbbbbb")
        for bar, key in zip(bars, keys):
            if values.get(key) is not None:
                ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() + 0.01,
                        f"{values[key]:.2f}", ha="center", fontsize=7)
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels([HEADLINE_LABELS[k][0].replace(": ", ":\n").replace(" (", "\n(") for k in keys],
                       rotation=30, ha="right", fontsize=7)
    ax.set_ylim(0, 1.1)
    ax.set_ylabel("share (higher is better, except 'wrongly declined')")
    ax.set_title("Quality: ours vs the rasa init baseline")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _excerpt(text: str | None, length: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"


def render_markdown(results: dict[str, Any]) -> str:
    systems = [s for s in SYSTEMS if s in results["systems"]]
    summary = results["summary"]
    lines = [
        "# Quality report (`make eval`)",
        "",
        f"Run {results['started_at']}, revision `{results['git_revision']}`"
        + (" — **smoke run (a few messages, one-epoch baseline): the figures are not meaningful**"
           if results["smoke"] else ""),
        "",
        md_table(["system", "model", "config"],
                 [[s, f"`{results['systems'][s]['model']}`", f"`{results['systems'][s]['config']}`"]
                  for s in systems]),
        "",
        "## Summary",
        "",
    ]
    rows = []
    for key, (label, higher_better) in HEADLINE_LABELS.items():
        ours = summary.get("ours", {}).get(key)
        base = summary.get("baseline", {}).get(key)
        delta = None if ours is None or base is None else ours - base
        better = None if delta is None else (delta > 0 if higher_better else delta < 0)
        rows.append([label, fmt(ours, percent=True), fmt(base, percent=True),
                     "–" if delta is None else f"{100 * delta:+.1f} pt" + (" ✓" if better else "")])
    lines += [md_table(["figure", "ours", "baseline", "ours − baseline"], rows), "",
              "![quality comparison](quality.png)", ""]

    # NLU
    lines += ["## NLU on the held-out test file", ""]
    nlu = {s: results["systems"][s].get("nlu") or {} for s in systems}
    if any("skipped" in nlu[s] for s in systems):
        lines += [f"Skipped: {nlu[systems[0]].get('skipped')}", ""]
    else:
        ours_intents = nlu["ours"]["intents"]
        lines += [f"{ours_intents['examples']} messages from `{results.get('nlu_test_file')}`.", "", "### Intents", ""]
        avg_rows = []
        for avg in ("macro_avg", "weighted_avg"):
            for metric in ("precision", "recall", "f1-score"):
                avg_rows.append([f"{avg.replace('_', ' ')} {metric}"] +
                                [fmt((nlu[s]["intents"].get(avg) or {}).get(metric)) for s in systems])
        avg_rows.append(["accuracy"] + [fmt(nlu[s]["intents"].get("accuracy")) for s in systems])
        avg_rows.append(["share predicted nlu_fallback"] +
                        [fmt(nlu[s]["intents"].get("fallback_share"), percent=True) for s in systems])
        lines += [md_table(["figure"] + systems, avg_rows), "", "Per intent (ours; baseline F1 beside):", ""]
        per = ours_intents["per_intent"]
        base_per = nlu.get("baseline", {}).get("intents", {}).get("per_intent", {}) if "baseline" in nlu else {}
        lines += [md_table(["intent", "precision", "recall", "F1", "support", "baseline F1"],
                           [[i, fmt(v["precision"]), fmt(v["recall"]), fmt(v["f1"]), fmt(v["support"]),
                             fmt((base_per.get(i) or {}).get("f1"))] for i, v in sorted(per.items())]), ""]
        lines += ["Confusion matrix: [ours](confusion_matrix.png)"
                  + (", [baseline](confusion_matrix_baseline.png)" if "baseline" in systems else ""), ""]
        for s in systems:
            pairs = nlu[s]["intents"]["worst_confused_pairs"]
            lines += [f"### Worst-confused intent pairs ({s})", ""]
            lines += [md_table(["true intent", "predicted", "count", "share of true intent", "example"],
                               [[p["intent"], p["predicted"], p["count"], fmt(p["share_of_intent"], percent=True),
                                 (p["examples"] or [""])[0]] for p in pairs]) if pairs else "No confusions.", ""]
        lines += ["### Entities", ""]
        lines += ["As the bot outputs them (all extractors merged, as the actions receive them; an entity is right "
                  "with the annotated type, start and end):", ""]
        pipeline_rows = []
        for s in systems:
            pipeline = nlu[s].get("pipeline_entities") or {}
            for entity, v in [("all (micro)", pipeline.get("micro") or {})] + sorted((pipeline.get("per_entity") or {}).items()):
                pipeline_rows.append([s, entity, fmt(v.get("precision")), fmt(v.get("recall")), fmt(v.get("f1")),
                                      fmt(v.get("support"))])
        lines += [md_table(["system", "entity", "precision", "recall", "F1", "support"], pipeline_rows), ""]
        lines += ["Per extractor, as `rasa test nlu` scores them (token by token):", ""]
        entity_rows = []
        for s in systems:
            for extractor, figures in sorted(nlu[s]["entities"].items()):
                w = figures.get("weighted_avg") or figures.get("micro_avg") or {}
                entity_rows.append([s, extractor, fmt(w.get("precision")), fmt(w.get("recall")),
                                    fmt(w.get("f1-score")), fmt(w.get("support"))])
        lines += [md_table(["system", "extractor", "precision", "recall", "F1 (weighted)", "support"], entity_rows)
                  if entity_rows else "No entity annotations were evaluated.", ""]
        if entity_rows:
            lines += ["Rasa scores each extractor on its own against all annotations: an extractor that only adds "
                      "what another one missed scores low alone.", ""]
        main = main_entity_extractor(nlu["ours"]["entities"])
        per_entity = nlu["ours"]["entities"][main].get("per_entity", {}) if main else {}
        if per_entity:
            lines += [f"Per entity (ours, {main}):", "",
                      md_table(["entity", "precision", "recall", "F1", "support"],
                               [[e, fmt(v["precision"]), fmt(v["recall"]), fmt(v["f1"]), fmt(v["support"])]
                                for e, v in sorted(per_entity.items())]), ""]

    # routing
    bots = {s: results["systems"][s].get("bot") or {} for s in systems}
    routing = {s: bots[s].get("routing") or {} for s in systems}
    lines += ["## Routing (end to end through the running bot)", ""]
    lines += [f"{routing['ours'].get('cases', 0)} cases from `evaluation/routing_cases.yml`. Right = every "
              "expected unit routed and no other (out-of-scope cases: no unit). Asking for the age group "
              "counts as a miss and is shown separately.", ""]
    outcome_names = ["correct", "asked_age_group", "wrong_unit", "not_routed", "routed_out_of_scope",
                     "no_meta", "error"]
    lines += [md_table(["figure"] + systems,
                       [["share routed right"] + [fmt(routing[s].get("accuracy"), percent=True) for s in systems],
                        ["share right, in-scope cases only"] +
                        [fmt(routing[s].get("accuracy_in_scope"), percent=True) for s in systems]]
                       + [[o] + [fmt((routing[s].get("outcomes") or {}).get(o, 0)) for s in systems]
                          for o in outcome_names]), ""]
    tags = sorted({t for s in systems for t in (routing[s].get("by_tag") or {})})
    if tags:
        lines += ["By kind of case:", "",
                  md_table(["tag", "cases"] + systems,
                           [[t, routing["ours"]["by_tag"].get(t, {}).get("cases", 0)] +
                            [fmt((routing[s]["by_tag"].get(t) or {}).get("accuracy"), percent=True) for s in systems]
                            for t in tags]), ""]
    for s in systems:
        misses = routing[s].get("misses") or []
        lines += [f"### Routing misses ({s}: {len(misses)})", ""]
        if misses:
            lines += [md_table(["case", "message", "expected", "routed", "outcome", "intent (conf.)", "reply begins"],
                               [[m["id"], m["message"], ", ".join(m["expected"]) or "(none)",
                                 ", ".join(m["routed"]) or "(none)", m["outcome"],
                                 f"{m['intent']} ({fmt(m['confidence'], 2)})", _excerpt(m.get("reply"))]
                                for m in misses]), ""]

    # declines
    lines += ["## Declining out-of-domain messages", ""]
    dec = {s: bots[s].get("declines") or {} for s in systems}
    lines += [md_table(["figure"] + systems, [
        ["out-of-domain (CLINC) messages sent"] + [fmt((dec[s].get("out_of_domain") or {}).get("messages")) for s in systems],
        ["share correctly declined"] + [fmt((dec[s].get("out_of_domain") or {}).get("declined_share"), percent=True) for s in systems],
        ["in-domain held-out messages sent"] + [fmt((dec[s].get("in_domain") or {}).get("messages")) for s in systems],
        ["share wrongly declined"] + [fmt((dec[s].get("in_domain") or {}).get("wrongly_declined_share"), percent=True) for s in systems],
        ["replies without meta (ood / in-domain)"] + [
            f"{fmt((dec[s].get('out_of_domain') or {}).get('without_meta'))} / "
            f"{fmt((dec[s].get('in_domain') or {}).get('without_meta'))}" for s in systems],
        ["request errors (ood / in-domain)"] + [
            f"{fmt((dec[s].get('out_of_domain') or {}).get('errors'))} / "
            f"{fmt((dec[s].get('in_domain') or {}).get('errors'))}" for s in systems],
    ]), ""]
    sample = results.get("out_of_domain_sample") or {}
    lines += [f"Out-of-domain pool: {sample.get('pool')} CLINC `out_of_domain` rows in no training file "
              f"(and not about health etc., by scripts/sample_clinc.py's rule); sampled {sample.get('sampled')} "
              f"with seed {sample.get('seed')}.", ""]
    for key, title in (("not_declined_by_predicted_intent", "Out-of-domain messages not declined, by predicted intent"),
                       ("wrongly_declined_by_predicted_intent", "In-domain messages declined, by predicted intent "
                        "(nlu_fallback, out_of_scope: the NLU declined; another intent: the action did)")):
        part = "out_of_domain" if key.startswith("not") else "in_domain"
        rows = [[s, ", ".join(f"{intent} {count}" for intent, count in
                              ((dec[s].get(part) or {}).get(key) or {}).items()) or "–"] for s in systems]
        lines += [f"{title}:", "", md_table(["system", "predicted intent: messages"], rows), ""]
    not_declined = (dec["ours"].get("out_of_domain") or {}).get("not_declined_examples") or []
    if not_declined:
        lines += ["Out-of-domain messages ours did not decline (first 15):", "",
                  md_table(["message", "intent", "confidence", "reply begins"],
                           [[r["message"], r["intent"], fmt(r["confidence"], 2), _excerpt(r.get("reply"))]
                            for r in not_declined[:15]]), ""]
    wrong = (dec["ours"].get("in_domain") or {}).get("wrongly_declined_examples") or []
    if wrong:
        lines += ["In-domain messages ours declined (first 15):", "",
                  md_table(["message", "true intent", "predicted", "confidence", "reply begins"],
                           [[r["message"], r["intent"], r["predicted"], fmt(r["confidence"], 2), _excerpt(r.get("reply"))]
                            for r in wrong[:15]]), ""]

    lines += question_answering.render_markdown({s: bots[s].get("question_answering") for s in systems})
    lines += question_answering.render_markdown({s: bots[s].get("question_answering_heldout") for s in systems},
                                                cases_file=question_answering.HELDOUT_CASES)
    lines += question_answering.render_markdown({s: bots[s].get("question_answering_fresh") for s in systems},
                                                cases_file=question_answering.FRESH_CASES)
    lines += question_answering.render_markdown({s: bots[s].get("question_answering_unseen") for s in systems},
                                                cases_file=question_answering.UNSEEN_CASES)
    lines += safety.render_markdown({s: results["systems"][s].get("safety") for s in systems})
    lines += condition_routing.render_markdown(results.get("condition_routing"))
    lines += safety_languages.render_markdown((results["systems"].get("ours") or {}).get("safety_languages"))
    lines += languages_nlu.render_markdown((results["systems"].get("ours") or {}).get("languages_nlu"))
    lines += reply_languages.render_markdown({s: bots[s].get("reply_languages") for s in systems})
    if results.get("routing_languages"):
        lines += ["## Routing per language (`python -m evaluation.routing_languages`)", "", "```",
                  routing_languages.render(results["routing_languages"], misses=True), "```", ""]

    # stories
    lines += [f"## Conversation tests (`rasa test core --e2e --stories {results.get('test_stories')}`)", ""]
    stories = {s: bots[s].get("stories") or {} for s in systems}
    if any("skipped" in stories[s] for s in systems):
        lines += [f"Skipped: {stories[systems[0]].get('skipped')}", ""]
    else:
        lines += [md_table(["figure"] + systems, [
            ["test stories"] + [fmt(stories[s].get("stories")) for s in systems],
            ["passed"] + [fmt(stories[s].get("passed")) for s in systems],
            ["pass rate"] + [fmt(stories[s].get("pass_rate"), percent=True) for s in systems],
            ["action accuracy"] + [fmt(stories[s].get("action_accuracy")) for s in systems],
        ]), ""]
        for s in systems:
            failed = stories[s].get("failed_stories") or []
            if failed:
                lines += [f"Failed test stories ({s}, {len(failed)}):", ""] + [f"- {name}" for name in failed] + [""]

    lines += ["## Data", "", common.CLINC_ATTRIBUTION, ""]
    return "\n".join(lines)
