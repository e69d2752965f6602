"""Command line of the knowledge store: `python -m knowledge <command>`.

    build                 create or refresh the store in DATABASE_URL from the curated content
    check                 validate the curated content without touching a database
    ask "<text>"          route a patient's message and show the relevant facts with their sources
    search "<text>"       the facts that best match the text
    export-nlu <dir>      write Rasa NLU lookup tables and synonyms to <dir>/knowledge_nlu.yml
    stats                 how much the store holds

Errors print one clear line (no traceback) and exit non-zero: 2 for bad content or input, 1 when
the store has not been built or the database cannot be reached.
"""
from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

# The CLI never needs TensorFlow, but thinc (under spaCy) imports it when installed, which costs
# several seconds and prints GPU warnings. Refusing the import makes thinc skip it. Only when this
# module runs as the program (`python -m knowledge`): a process that imports it (the tests) may need
# TensorFlow later, for Rasa.
if __name__ == "__main__":
    for _module in ("tensorflow", "torch"):
        sys.modules.setdefault(_module, None)  # type: ignore[arg-type]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from sqlalchemy.exc import SQLAlchemyError  # noqa: E402 - after the import guard above

from knowledge.catalog import CONTENT_DIR, VOCABULARY_DIR, ContentError  # noqa: E402
from knowledge.database import StoreNotBuiltError  # noqa: E402

_WIDTH = 100


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=_WIDTH, initial_indent=indent, subsequent_indent=indent)


def _print_source(source, indent: str = "      ") -> None:
    print(_wrap(f"source: {source.file}: \"{source.sentence}\"", indent))


def _print_fact(fact) -> None:
    where = (f"{fact.unit.full_name} ({fact.unit.hospital_name})" if fact.unit
             else (fact.organization.name if fact.organization else ""))
    dated = f" (as of {fact.as_of})" if fact.as_of else ""
    print(_wrap(f"- [{fact.topic}] {fact.text}{dated}", "  "))
    if where:
        print(_wrap(f"about: {where}", "      "))
    _print_source(fact.source)


def _cmd_build(args: argparse.Namespace) -> int:
    from knowledge.loader import build

    report = build(args.database_url, content_dir=args.content_dir, vocabulary_dir=args.vocabulary_dir)
    print(f"Built the knowledge store in {report.database}")
    for table, count in report.counts.items():
        print(f"  {table:<26} {count:>5}")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from knowledge.catalog import load_catalog

    catalog = load_catalog(args.content_dir, args.vocabulary_dir)
    print(f"Content is valid: {len(catalog.facts)} facts, {len(catalog.citations())} citations, "
          f"{len(catalog.conditions)} conditions, {len(catalog.services)} services.")
    for language, entries in sorted(catalog.fact_translations.items()):
        reviewed = sum(entry.reviewed_by_native_speaker for entry in entries.values())
        print(f"  facts in {language}: {len(entries)} of {len(catalog.facts)} translated, "
              f"{reviewed} reviewed by a native speaker")
    return 0


def _cmd_ask(args: argparse.Namespace) -> int:
    from knowledge.database import open_session
    from knowledge.answering import rank_answers
    from knowledge.queries import facts_by_topic, route_patient, search, unit_family
    from messages.explain import explain  # the sentences are the catalog's, made here at the edge

    is_child = True if args.child else (False if args.adult else None)
    with open_session(args.database_url) as session:
        result = route_patient(session, args.text, age=args.age, is_child=is_child)
        if result.routes:  # the routed units' facts, those that share most with the words first
            family = unit_family(session, [route.unit.id for route in result.routes])
            candidates = [f for f in facts_by_topic(session, None) if f.unit is not None and f.unit.id in family]
            ranked = rank_answers(session, args.text, candidates).ranked
            facts = [item.fact for item in ranked if item.score > 0][:args.limit]
        else:
            facts = search(session, args.text, limit=args.limit)
    recognised = []
    if result.condition:
        recognised.append(f"condition: {result.condition.name} ({result.condition.category_label})")
    if result.service:
        recognised.append(f"service: {result.service.name}")
    if result.out_of_scope:
        recognised.append(f"outside scope: {result.out_of_scope.name}")
    if result.age is not None:
        recognised.append(f"age: {result.age}")
    if result.relation:
        recognised.append(f"patient: {result.relation}")
    recognised.append(f"age group: {result.age_group or 'unknown'}")
    print("Recognised: " + "; ".join(recognised))
    print(_wrap(explain(result.explanation), ""))
    if result.routes:
        print("Routes:")
        for route in result.routes:
            label = f" [for {route.age_group}ren]" if route.age_group == "child" else (
                f" [for {route.age_group}s]" if route.age_group else "")
            print(_wrap(f"-> {route.unit.full_name} ({route.unit.hospital_name}){label}", "  "))
            print(_wrap(f"why: {route.reason}", "      "))
            if route.note:
                print(_wrap(f"note: {route.note}", "      "))
            for source in route.sources:
                _print_source(source)
    if facts:
        print("Relevant facts:")
        for fact in facts:
            _print_fact(fact)
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    from knowledge.database import open_session
    from knowledge.queries import search

    with open_session(args.database_url) as session:
        facts = search(session, args.text, limit=args.limit)
    if not facts:
        print("No facts match.")
        return 0
    for fact in facts:
        _print_fact(fact)
    return 0


def _cmd_export_nlu(args: argparse.Namespace) -> int:
    from knowledge.export_nlu import export_nlu

    path = export_nlu(args.directory)
    print(f"Wrote {path}")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    from knowledge.database import open_session
    from knowledge.queries import TOPICS, facts_by_topic, store_counts

    with open_session(args.database_url) as session:
        counts = store_counts(session)
        per_topic = {topic: len(facts_by_topic(session, topic)) for topic in TOPICS}
    for name, count in counts.items():
        print(f"{name:<20} {count:>5}")
    print("facts per topic (a fact may have several topics):")
    for topic, count in per_topic.items():
        print(f"  {topic:<24} {count:>3}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description="The cited knowledge store.")
    parser.add_argument("--database-url", default=None, help="database to use (default: DATABASE_URL setting)")
    parser.add_argument("--content-dir", type=Path, default=CONTENT_DIR, help="hospital content to build/check from")
    parser.add_argument("--vocabulary-dir", type=Path, default=VOCABULARY_DIR, help="vocabulary to build/check from")
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    commands.add_parser("build", help="create or refresh the store from the content").set_defaults(run=_cmd_build)
    commands.add_parser("check", help="validate the content only").set_defaults(run=_cmd_check)

    ask = commands.add_parser("ask", help="route a patient's message and show facts with sources")
    ask.add_argument("text")
    ask.add_argument("--age", type=int, default=None, help="the patient's age in years, if known")
    group = ask.add_mutually_exclusive_group()
    group.add_argument("--child", action="store_true", help="the patient is a child or adolescent")
    group.add_argument("--adult", action="store_true", help="the patient is an adult")
    ask.add_argument("--limit", type=int, default=3, help="how many facts to show (default 3)")
    ask.set_defaults(run=_cmd_ask)

    search = commands.add_parser("search", help="facts matching the text")
    search.add_argument("text")
    search.add_argument("--limit", type=int, default=5)
    search.set_defaults(run=_cmd_search)

    export = commands.add_parser("export-nlu", help="write Rasa NLU lookup tables and synonyms")
    export.add_argument("directory")
    export.set_defaults(run=_cmd_export_nlu)

    commands.add_parser("stats", help="counts of what the store holds").set_defaults(run=_cmd_stats)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = _parser().parse_args(argv)
    if getattr(args, "age", None) is not None and not 0 <= args.age <= 120:
        print("error: --age must be between 0 and 120", file=sys.stderr)
        return 2
    try:
        return args.run(args)
    except ContentError as error:
        print(f"Content error: {error}", file=sys.stderr)
        return 2
    except StoreNotBuiltError as error:
        print(str(error), file=sys.stderr)
        return 1
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        print(f"Database error: {reason}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    # as a program only: a process importing `main` (the tests) keeps its own logging
    from settings.logging import configure as configure_logging

    configure_logging()
    sys.exit(main())
