"""One tokenizer for the six languages the bot reads: each script cut the way it is written.

Rasa's WhitespaceTokenizer cannot split Chinese (no spaces) and would leave Korean particles and endings
glued to their nouns ("백혈병이에요"), so an entity annotated on 白血病 or 백혈병 falls inside a token
(Rasa warns it is misaligned and cannot learn it). Worse, in Rasa 3.6 its emoji pattern spans U+24C2 to
U+1F251, which holds every Hangul syllable and Han character: a word written wholly in them is dropped as
an emoji, and a message left with no word becomes one token, the whole text ("우리 아이가 백혈병이에요" is
one token; "CAR-T 치료 가능한가요?" is only "CAR-T"). Korean and Chinese messages have had no word
features at all.

`ScriptAwareTokenizer` cuts every message by script:

- Han characters (Chinese) go to jieba, run by run;
- Hangul (Korean) goes to kiwipiepy's morphological analyser, which reads the whole message (its context
  helps it cut "우리아이가백혈병이에요" without spaces); its morphemes become tokens as the surface text
  they cover (백혈병 | 이 | 에요), so nouns stand apart from their particles and endings. Morphemes that
  share characters (했 is 하 + 었, 한가요 is 하 + ᆫ가요) stay one token: a token is always a slice of the
  message;
- everything else (English, Russian, Mongolian, Arabic, digits, "CAR-T", punctuation) is tokenised by
  WhitespaceTokenizer itself, on the message with its Han and Hangul characters replaced by spaces (and
  fullwidth letters and digits read as ASCII). A message with neither Han nor Hangul gets exactly
  WhitespaceTokenizer's tokens, so English features and the English model are unchanged.

Every token's `start`/`end` slice the original text to the token's text (Rasa aligns entity annotations by
these offsets). Intent names are split like Rasa's tokenizers do (`intent_tokenization_flag`,
`intent_split_symbol`, `prefix_separator_symbol`, inherited).

The analysers are loaded lazily, once per process, the first time a message needs them (kiwipiepy's model
takes about 1.7 s of CPU and 310 MB; jieba's dictionary 0.8 s and 80 MB: `python -m
evaluation.tokenizer_cost`), and shared by every instance of the component. `preload: true` loads both when
the component is built (a Rasa server's model load, so that the first Korean or Chinese patient does not
wait; also a training's start). jieba keeps its dictionary cache in the system's temporary directory (its
default, set explicitly here), never in the project tree.
"""
from __future__ import annotations

import logging
import tempfile
import threading
import time
import warnings
from typing import Any, Callable, Optional

import regex
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message

logger = logging.getLogger(__name__)

HAN = regex.compile(r"\p{Han}+")
HANGUL = regex.compile(r"\p{Hangul}+")
HAN_OR_HANGUL = regex.compile(r"[\p{Han}\p{Hangul}]")
# Chinese and Korean punctuation, never part of a word or a number ("我自己，52岁"): separators like spaces
CJK_SEPARATORS = regex.compile(r"[\u3000-\u303F\uFE10-\uFE1F\uFE30-\uFE4F\uFF5F-\uFF65"
                               r"！＂＇（），：；？［］｛｝]")
# ASCII punctuation that starts no word or number: dropped from a token's start where it follows Han or
# Hangul ("我自己,52岁"), as WhitespaceTokenizer drops it after a space unless a digit follows
LEADING_SEPARATORS = ",;:!?)]}\"'"
# the other fullwidth ASCII (U+FF01 to U+FF5E) read as ASCII, one character for one
FULLWIDTH_TO_ASCII = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}

# kiwipiepy's multi-word dictionary (proper nouns from WikiData) turns phrases such as 조혈모세포이식 into one
# token, which an entity annotated on part of it cannot align with; without it the model loads in about
# a third of the time and takes ~190 MB less memory.
KIWI_OPTIONS = {"num_workers": 0, "load_multi_dict": False}

_lock = threading.Lock()
_analysers: dict[str, Any] = {}
# seconds each analyser took to load (import, dictionary and model, and a first analysis), for reports
LOAD_SECONDS: dict[str, float] = {}


def _load_kiwi() -> Any:
    from kiwipiepy import Kiwi

    with warnings.catch_warnings():
        # num_workers=0 (one thread, analyses one message at a time) warns that its meaning changed in 0.21
        warnings.simplefilter("ignore", DeprecationWarning)
        kiwi = Kiwi(**KIWI_OPTIONS)
    kiwi.tokenize("가")  # the first analysis loads the rest of the model: here, not on a patient's message
    return kiwi


def _load_jieba() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # jieba 0.42 imports pkg_resources
        import jieba

    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict ..." lines go to stderr otherwise
    # its own instance: jieba's global one may carry another component's user dictionaries
    segmenter = jieba.Tokenizer()
    segmenter.tmp_dir = tempfile.gettempdir()  # the dictionary cache (jieba.cache) goes there, as by default
    segmenter.initialize()
    return segmenter


_LOADERS: dict[str, Callable[[], Any]] = {"hangul": _load_kiwi, "han": _load_jieba}


def analyser(script: str) -> Any:
    """The process's analyser for `script` ("hangul": a kiwipiepy Kiwi, "han": a jieba Tokenizer),
    loaded on first use."""
    found = _analysers.get(script)
    if found is None:
        with _lock:
            found = _analysers.get(script)
            if found is None:
                started = time.perf_counter()
                found = _LOADERS[script]()
                LOAD_SECONDS[script] = time.perf_counter() - started
                logger.info("Loaded the %s analyser in %.2f s", script, LOAD_SECONDS[script])
                _analysers[script] = found
    return found


def load_analysers() -> dict[str, float]:
    """Loads both analysers (when not loaded yet) and returns their load times in seconds."""
    for script in _LOADERS:
        analyser(script)
    return dict(LOAD_SECONDS)


def _hangul_boundaries(text: str) -> set[int]:
    """Offsets where kiwipiepy's morphemes of `text` begin or end, morphemes sharing characters merged."""
    spans = sorted((m.start, m.start + m.len) for m in analyser("hangul").tokenize(text) if m.len > 0)
    boundaries: set[int] = set()
    current: Optional[list[int]] = None
    for start, end in spans:
        if current is None or start >= current[1]:
            if current is not None:
                boundaries.update(current)
            current = [start, end]
        else:
            current[1] = max(current[1], end)
    if current is not None:
        boundaries.update(current)
    return boundaries


def _han_tokens(text: str) -> list[Token]:
    segmenter = analyser("han")
    tokens = []
    for run in HAN.finditer(text):
        for word, start, _end in segmenter.tokenize(run.group(), HMM=True):
            tokens.append(Token(word, run.start() + start))
    return tokens


def _hangul_tokens(text: str) -> list[Token]:
    runs = list(HANGUL.finditer(text))
    if not runs:
        return []
    boundaries = _hangul_boundaries(text)
    tokens = []
    for run in runs:
        cuts = sorted({run.start(), run.end()} | {b for b in boundaries if run.start() < b < run.end()})
        tokens += [Token(text[start:end], start) for start, end in zip(cuts, cuts[1:])]
    return tokens


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class ScriptAwareTokenizer(WhitespaceTokenizer):
    """Chinese with jieba, Korean with kiwipiepy, every other script as WhitespaceTokenizer does."""

    @staticmethod
    def not_supported_languages() -> Optional[list[str]]:
        return None

    @staticmethod
    def required_packages() -> list[str]:
        return ["jieba", "kiwipiepy"]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **WhitespaceTokenizer.get_default_config(),
            # load jieba and kiwipiepy when the component is built (a server's model load, a training's
            # start) rather than on the first message that needs them
            "preload": False,
        }

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ScriptAwareTokenizer":
        """Also what Rasa's `load` calls, when a trained model is loaded and when training runs the component
        over the training data."""
        if config.get("preload"):
            load_analysers()
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> list[Token]:
        text = message.get(attribute)
        if not HAN_OR_HANGUL.search(text):
            return super().tokenize(message, attribute)

        # the other scripts: WhitespaceTokenizer on the text with its Han and Hangul replaced by spaces, one
        # space per character, so the offsets stay those of the original text. Its emoji pattern also
        # covers U+24C2 to U+1F251, where fullwidth letters and digits are (a Chinese keyboard's "３９度"):
        # it reads them as their ASCII twins, the tokens keep the text as written.
        masked = CJK_SEPARATORS.sub(" ", HAN_OR_HANGUL.sub(" ", text)).translate(FULLWIDTH_TO_ASCII)
        tokens = []
        if masked.strip():
            for token in super().tokenize(Message(data={attribute: masked}), attribute):
                if any(c.isspace() for c in token.text):
                    # with nothing left but punctuation or emoji WhitespaceTokenizer falls back to the whole
                    # text as one token; here that text holds the masked spaces, so it is no word
                    continue
                start, end = token.start, token.end
                # after Han, Hangul or their punctuation
                if start > 0 and masked[start - 1] != text[start - 1]:
                    while start < end and masked[start] in LEADING_SEPARATORS:
                        start += 1
                if start < end:
                    tokens.append(Token(text[start:end], start))
        tokens += self._apply_token_pattern(_han_tokens(text) + _hangul_tokens(text))
        return sorted(tokens, key=lambda token: token.start)
