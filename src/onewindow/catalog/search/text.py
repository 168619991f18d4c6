"""Turning text into search terms, the same way for documents and queries.

Chinese has no spaces, so matching uses character unigrams (names only, so 1-character queries
work) and bigrams; word segmentation (rjieba, with a custom dictionary of government terms) decides
the words of a query, so that synonyms replace whole words (驾照 → 驾驶证) and filler words (怎么,
办理) can be dropped. Pinyin (pypinyin) gives each name a full spelling and initials from every
character on, so ``yingyezhizhao``, ``yyzz`` and ``zhizhao`` all find 营业执照.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import rjieba
import yaml
from pypinyin import lazy_pinyin

DATA = Path(__file__).resolve().parent.parent / "data"
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUN_RE = re.compile(f"[{CJK}]+|[a-z0-9]+")
CJK_RE = re.compile(f"^[{CJK}]+$")
MAX_ALTERNATIVES = 12


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, every other character a space."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return " ".join(RUN_RE.findall(text))


def runs(text: str) -> list[str]:
    return RUN_RE.findall(normalise(text))


def grams(run: str, unigrams: bool) -> list[str]:
    if not CJK_RE.match(run):
        return [run]
    out = list(run) if unigrams or len(run) == 1 else []
    out += [run[i : i + 2] for i in range(len(run) - 1)]
    return out


def document_terms(text: str, unigrams: bool) -> set[str]:
    terms: set[str] = set()
    for run in runs(text):
        terms.update(grams(run, unigrams))
    return terms


def spell_word(word: str) -> tuple[str, str]:
    """Full pinyin and initials of one word: ``("shebaoka", "sbk")``."""
    full = lazy_pinyin(word)
    return "".join(full), "".join(p[0] for p in full if p)


def spellings(name: str) -> list[str]:
    """Full pinyin and initials of the name from each character on: ``yingyezhizhao yyzz ...``."""
    chars = [c for c in normalise(name) if c != " "]
    # Letters and digits stay one entry per character (pypinyin accepts a list here; its type hints
    # do not say so), so positions line up with ``chars``.
    full = lazy_pinyin("".join(chars), errors=lambda s: list(s))  # type: ignore[arg-type,return-value]
    initials = [p[0] if p else "" for p in full]
    out: list[str] = []
    for i in range(len(full)):
        if CJK_RE.match(chars[i]):
            out.append("".join(full[i:])[:60])
            out.append("".join(initials[i:])[:30])
    return out


# -- queries ---------------------------------------------------------------------------------------------
@cache
def synonyms() -> dict[str, list[str]]:
    with (DATA / "synonyms.yaml").open(encoding="utf-8") as handle:
        raw: dict[str, list[str]] = yaml.safe_load(handle)
    return {normalise(k): [normalise(v) for v in values] for k, values in raw.items()}


@dataclass(frozen=True)
class QueryWords:
    """``data/queries.yaml``: filler words and the English table."""

    filler: frozenset[str]
    english: dict[str, list[str]]
    english_filler: frozenset[str]
    longest_english: int


@cache
def query_words() -> QueryWords:
    with (DATA / "queries.yaml").open(encoding="utf-8") as handle:
        raw: dict[str, Any] = yaml.safe_load(handle)
    english = {normalise(k): [normalise(v) for v in vs] for k, vs in raw["english"].items()}
    return QueryWords(
        filler=frozenset(normalise(w) for w in raw["filler"]),
        english=english,
        english_filler=frozenset(normalise(w) for w in raw["english_filler"]),
        longest_english=max(len(k.split()) for k in english),
    )


@cache
def segmenter() -> rjieba.Jieba:
    jieba = rjieba.Jieba()
    words = (DATA / "dictionary.txt").read_text(encoding="utf-8").split()
    extra = [*synonyms(), *itertools.chain(*synonyms().values()), *query_words().filler]
    for word in itertools.chain(words, extra):
        for part in word.split():
            jieba.add_word(part, 50_000, None)
    return jieba


def aliases(name: str, keywords: str = "") -> str:
    """What people call a thing, spelled: pinyin and initials of every keyword and of every synonym
    whose catalogue word occurs in the name (社会保障卡申领 → 社保卡 → ``shebaoka sbk``), so
    initials of a word people say find it, and rank above scattered initials of the name. Stored
    as `` word word `` for exact matching."""
    name_norm = normalise(name).replace(" ", "")
    said = {w for w in runs(keywords) if CJK_RE.match(w)}
    for typed, replacements in synonyms().items():
        if CJK_RE.match(typed) and any(r.replace(" ", "") in name_norm for r in replacements):
            said.add(typed)
    tokens: set[str] = set()
    for word in said:
        tokens.update(t for t in spell_word(word) if len(t) > 1)
    return f" {' '.join(sorted(tokens))} " if tokens else ""


def head_spellings(name: str) -> str:
    """Pinyin and initials of the whole name, then of each of its words (机动车驾驶证换证 →
    ``jidongchejiashizhenghuanzheng jdcjszhz jidongche jdc jiashizheng jsz …``): initials that
    start a word rank above initials that start inside one."""
    spelled = spellings(name)[:2]
    for run in runs(name):
        if CJK_RE.match(run):
            for word in segmenter().cut(run, False):
                if len(word) > 1:
                    spelled.extend(spell_word(word))
    return " ".join(dict.fromkeys(spelled))


@dataclass(frozen=True)
class Alternative:
    """One reading of the query: its words and the terms each word must match."""

    text: str
    words: tuple[str, ...]

    @property
    def units(self) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(grams(w, unigrams=False)) for w in self.words)


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    spelled: bool  # letters only: matched against pinyin
    alternatives: tuple[Alternative, ...]
    # Letters in several words that are not in the English table are tried as words first and,
    # if nothing matches, as spaced pinyin ("ying ye zhi zhao").
    otherwise: ParsedQuery | None = None


def _words(text: str) -> list[str]:
    words: list[str] = []
    for run in text.split():
        if CJK_RE.match(run):
            words.extend(w for w in segmenter().cut(run, True) if w.strip())
        else:
            words.append(run)
    filler = query_words().filler
    kept = [w for w in words if w not in filler]
    return kept or words


def _english(text: str) -> list[list[str]] | None:
    """Options per word of an English query, longest table phrase first; None when no word is in
    the table (then the letters are read as pinyin)."""
    table = query_words()
    words = text.split()
    options: list[list[str]] = []
    found = False
    i = 0
    while i < len(words):
        for n in range(min(table.longest_english, len(words) - i), 0, -1):
            phrase = " ".join(words[i : i + n])
            if phrase in table.english:
                options.append(table.english[phrase])
                found = True
                i += n
                break
        else:
            if words[i] not in table.english_filler:
                options.append([words[i]])
            i += 1
    return options if found else None


def _alternatives(options: list[list[str]]) -> list[Alternative]:
    alternatives = []
    for combo in itertools.islice(itertools.product(*options), MAX_ALTERNATIVES):
        parts = [w for piece in combo for w in piece.split()]
        alternatives.append(Alternative("".join(parts), tuple(parts)))
    return alternatives


def _with_synonyms(words: list[str]) -> list[list[str]]:
    english = query_words().english
    out = []
    for word in words:
        said = [word, *english.get(word, [])]
        out.append([*said, *itertools.chain(*(synonyms().get(w, []) for w in said))])
    return [list(dict.fromkeys(o)) for o in out]


def _spelled(text: str) -> ParsedQuery:
    word = text.replace(" ", "")
    return ParsedQuery(word, True, (Alternative(word, (word,)),))


def parse(query: str) -> ParsedQuery:
    text = normalise(query)[:60]
    if not text:
        return ParsedQuery("", False, ())
    if re.fullmatch(r"[a-z ]+", text):
        english = _english(text)
        if english is None:
            if " " not in text:
                return _spelled(text)
            words = text.split()
            return ParsedQuery(
                text, False, tuple(_alternatives([[w] for w in words])), _spelled(text)
            )
        expanded = [
            list(dict.fromkeys([*o, *itertools.chain(*(synonyms().get(w, []) for w in o))]))
            for o in english
        ]
        if not expanded:  # only filler words
            return ParsedQuery("", False, ())
        return ParsedQuery(text, False, tuple(dict.fromkeys(_alternatives(expanded))))
    whole = synonyms().get(text.replace(" ", ""))
    alternatives = _alternatives(_with_synonyms(_words(text)))
    for replacement in whole or []:
        parts = replacement.split()
        alternatives.append(Alternative("".join(parts), tuple(parts)))
    unique = tuple(dict.fromkeys(alternatives))
    return ParsedQuery(text.replace(" ", ""), False, unique)
