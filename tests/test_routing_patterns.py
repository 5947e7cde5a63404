"""SlotPattern finds the same split as Python's regex engine, without its backtracking cost."""

from __future__ import annotations

import random
import re

import pytest

from asyncflask.routing.patterns import ANY_PATH, ANY_SEGMENT, Slot, SlotPattern

SLOTS = [
    Slot(ANY_PATH, crosses_slashes=True),
    Slot(ANY_SEGMENT, crosses_slashes=False),
    Slot("[0-9]+", crosses_slashes=False, greedy_is_longest=True),
    Slot("-?[0-9]+", crosses_slashes=False, greedy_is_longest=True),
    Slot("[a-c]{1,2}", crosses_slashes=False, greedy_is_longest=True),
    Slot("[a-c0-9]+", crosses_slashes=False),
    Slot("[a-c/]+?", crosses_slashes=True),
]
LITERALS = ["/", "-", ".", "a", "/a/", "1", "-1"]
ALPHABET = ["a", "b", "1", "2", "-", ".", "/", "/a/", "-1"]


def as_regex(pieces: list[str | Slot]) -> re.Pattern[str]:
    return re.compile(
        "".join(
            f"({piece.regex})" if isinstance(piece, Slot) else re.escape(piece) for piece in pieces
        )
    )


def random_pieces(rng: random.Random) -> list[str | Slot]:
    pieces: list[str | Slot] = []
    for _ in range(rng.randint(1, 5)):
        if rng.random() < 0.5:
            pieces.append(rng.choice(SLOTS))
        else:
            pieces.append(rng.choice(LITERALS))
    if not any(isinstance(piece, Slot) for piece in pieces):
        pieces.append(rng.choice(SLOTS))
    return pieces


@pytest.mark.parametrize("seed", range(8))
def test_same_answer_as_the_regex_engine(seed: int) -> None:
    rng = random.Random(seed)
    checked = 0
    for _ in range(400):
        pieces = random_pieces(rng)
        regex = as_regex(pieces)
        pattern = SlotPattern(pieces)
        for _ in range(12):
            text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
            expected = regex.fullmatch(text)
            got = pattern.match(text)
            assert (got is None) == (expected is None), (pieces, text)
            if expected is not None:
                assert got == expected.groups(), (pieces, text)
                checked += 1
    assert checked > 100


def test_match_within_bounds() -> None:
    pattern = SlotPattern([Slot(ANY_PATH, crosses_slashes=True), ".txt"])
    assert pattern.match("xx/a/b.txt!", 3, 10) == ("a/b",)
    assert pattern.match("xx/a/b.txt!", 3) is None


def test_adjacent_literals_are_merged() -> None:
    pattern = SlotPattern(["a", "", "b", Slot(ANY_SEGMENT, crosses_slashes=False), "c", "d"])
    assert pattern.pieces == ("ab", Slot(ANY_SEGMENT, crosses_slashes=False), "cd")
    assert pattern.match("abXcd") == ("X",)


def test_adjacent_slots() -> None:
    pattern = SlotPattern(
        [
            Slot("[0-9]+", crosses_slashes=False, greedy_is_longest=True),
            Slot(ANY_SEGMENT, crosses_slashes=False),
        ]
    )
    assert pattern.match("123abc") == ("123", "abc")
    assert pattern.match("123") == ("12", "3")
    assert pattern.match("abc") is None


def test_long_repetitive_text_is_settled_quickly() -> None:
    path = Slot(ANY_PATH, crosses_slashes=True)
    pattern = SlotPattern([path, "/x/", path, "/y/", path])
    assert pattern.match("x/" * 50_000) is None
    assert pattern.match("q" + "/x/q" * 20_000 + "/y/" + "q/y/" * 20_000 + "q") == (
        "q",
        "/x/".join(["q"] * 20_000),
        "/y/".join(["q"] * 20_001),
    )
