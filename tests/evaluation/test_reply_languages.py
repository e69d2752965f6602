"""Replies in the patient's language (evaluation/reply_languages.py): the sample, and the scoring of the
bot's first text reply."""
from __future__ import annotations

from evaluation import reply_languages
from languages import LANGUAGES


def test_the_sample_takes_the_same_held_out_messages_of_every_language_each_time():
    sample = reply_languages.sample_messages(per_language=3)
    assert [code for code, _ in sample] == [code for code in LANGUAGES for _ in range(3)]
    assert sample == reply_languages.sample_messages(per_language=3)


def test_a_reply_counts_in_its_own_language_and_source_lines_are_left_aside():
    sample = [("ko", "우리 아이가 백혈병이에요"), ("ru", "У мамы лимфома, куда обратиться?"), ("ar", "مرحبا")]
    entries = [
        {"replies": [{"text": "Source: 000.txt\n서울대학교병원 소아청소년과 혈액종양 분과를 안내해 드릴게요."}]},
        {"replies": [{"text": "I'm not sure I understood. Could you say it another way?"}]},
        {"replies": [{"text": "OK"}]},
    ]
    scored = reply_languages.score(sample, entries)
    assert (scored["ko"]["right"], scored["ko"]["share"]) == (1, 1.0)
    assert scored["ru"]["wrong"] == 1 and scored["ru"]["share"] == 0.0
    assert scored["ru"]["wrong_examples"][0]["detected"] == "en"
    assert scored["ar"]["undecided"] == 1 and scored["ar"]["share"] is None
    assert any("| ko | 100.0 % (1/1) |" in line for line in reply_languages.render_markdown({"ours": scored}))
