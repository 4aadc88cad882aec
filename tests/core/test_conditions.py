"""The condition language: what it reads, what it refuses, and that it never fails any other way."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fcgilint.conditions import OPERATORS, VALUES, ConditionError, Unit, number_of, parse
from fcgilint.model import SERVER_VALUES

SUFFIXES = {
    Unit.SIZE: {"K": 1024, "m": 1024**2, "G": 1024**3},
    Unit.DURATION: {"s": 1, "min": 60, "h": 3600, "d": 86400},
    Unit.COUNT: {},
}


@st.composite
def comparisons(draw: st.DrawFn) -> tuple[str, str, str, int]:
    name = draw(st.sampled_from(sorted(VALUES)))
    op = draw(st.sampled_from(OPERATORS))
    digits = draw(st.integers(0, 10**6))
    suffix = draw(st.sampled_from(["", *SUFFIXES[VALUES[name].unit]]))
    blank = draw(st.sampled_from(["", " ", "  "]))
    return (
        name,
        op,
        f"{blank}{name}{blank or ' '}{op} {digits}{suffix}{blank}",
        digits * SUFFIXES[VALUES[name].unit].get(suffix, 1),
    )


@given(comparisons())
def test_a_written_comparison_reads_back(case: tuple[str, str, str, int]) -> None:
    name, op, text, number = case
    got = parse(text)
    assert (got.left.name, got.op, got.right.name, got.right.number) == (name, op, None, number)


@given(st.text(max_size=40))
def test_any_text_is_a_comparison_or_a_condition_error(text: str) -> None:
    try:
        parse(text)
    except ConditionError as exc:
        assert 0 <= exc.offset <= len(text)


def test_a_constant_on_the_left_is_turned_round() -> None:
    got = parse("300s <= FcgidIOTimeout")
    assert (got.left.name, got.op, got.right.number) == ("FcgidIOTimeout", ">=", 300)
    assert got.holds({"FcgidIOTimeout": 300}) and not got.holds({"FcgidIOTimeout": 299})


def test_zero_is_no_limit_where_the_program_says_so() -> None:
    assert number_of("max_execution_time", 0) == math.inf and number_of("FcgidIOTimeout", 0) == 0
    assert not parse("FcgidIOTimeout >= max_execution_time").holds(
        {"FcgidIOTimeout": 900, "max_execution_time": math.inf}
    )


@pytest.mark.parametrize(("text", "offset"), [("5 < 6", 0), ("FcgidIOTimeout", 14), ("FcgidIOTimeout >= 5M", 18),
                                              ("post_max_size < FcgidIOTimeout", 16), ("FcgidIOTimeout >= 5S", 19)])
def test_refused_with_the_offset_of_the_mistake(text: str, offset: int) -> None:
    with pytest.raises(ConditionError) as caught:
        parse(text)
    assert caught.value.offset == offset


def test_the_server_values_are_the_models() -> None:
    assert [n for n, k in VALUES.items() if k.server] == list(SERVER_VALUES)
