"""The words of an intent and which of them were placed: what is left is ``unresolved``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ai.generation.intent.lexicon import FILLER, NUMBER_WORDS

_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_'.-]*[A-Za-z0-9_]|[A-Za-z0-9_]")


def _filler(word: str, filler: set[str]) -> bool:
    """A filler word, or a typo of one: two letters swapped ("wiht"), or one letter wrong in a
    word of six or more. A short word one letter from a filler is often a word of its own
    ("went", "lost", "loan"): it is not dropped as a typo, nor is a number ("three": "there")."""
    if word in filler:
        return True
    if len(word) < 4 or not word.isalpha() or word in NUMBER_WORDS:
        return False
    from ai.generation.intent.grounding import distance

    return any(
        len(f) == len(word) and distance(word, f) <= 1 and (len(word) >= 6 or _swapped(word, f))
        for f in filler
        if len(f) >= 4
    )


def _swapped(word: str, other: str) -> bool:
    """``word`` is ``other`` with two neighbouring letters swapped."""
    wrong = [i for i, (a, b) in enumerate(zip(word, other, strict=True)) if a != b]
    return len(wrong) == 2 and wrong[1] == wrong[0] + 1 and word[wrong[0]] == other[wrong[1]]


_CONTRACTIONS = {"s", "t", "d", "ll", "re", "ve", "m"}  # what is left of "customer's" placed


@dataclass
class Coverage:
    """The intent's text (lower case, single spaces) and the character ranges placed so far."""

    text: str
    taken: list[tuple[int, int]] = field(default_factory=list)

    def take(self, start: int, end: int) -> None:
        self.taken.append((start, end))

    def take_match(self, match: re.Match[str], group: int | str = 0) -> None:
        if match.group(group) is not None:
            self.take(match.start(group), match.end(group))

    def free(self, start: int, end: int) -> bool:
        """True when no placed range overlaps [start, end)."""
        return all(e <= start or s >= end for s, e in self.taken)

    def words(self) -> list[tuple[int, int, str]]:
        return [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(self.text)]

    def left(self, extra_filler: set[str] | None = None) -> list[str]:
        """Runs of content words that nothing placed (filler words are skipped)."""
        filler = FILLER | (extra_filler or set())
        runs: list[list[str]] = [[]]
        for start, end, word in self.words():
            if not self.free(start, end):  # a word placed in part: "purchase-events"
                word = " ".join(
                    p[0]
                    for p in re.finditer(r"[a-z0-9_]+", self.text[start:end])
                    if p[0] not in _CONTRACTIONS and self.free(start + p.start(), start + p.end())
                )
            bare = word.strip("'.-").removesuffix("'s")
            if not bare or _filler(bare, filler):
                if runs[-1]:
                    runs.append([])
                continue
            runs[-1].append(word)
        return [" ".join(r) for r in runs if r]
