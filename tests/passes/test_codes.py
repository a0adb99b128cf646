import itertools
import math

from hypothesis import given
from hypothesis import strategies as st

from passnum.passes import codes


def test_codes_have_at_least_60_random_bits_and_no_lookalikes():
    assert codes.BODY_LENGTH * math.log2(codes.BASE) >= 60
    assert not set("01ILO") & set(codes.ALPHABET)
    fresh = codes.new_codes(2000)
    assert len(set(fresh)) == 2000
    assert all(codes.problem_with(code) is None for code in fresh)
    assert set("".join(fresh)) == set(codes.ALPHABET)  # every character is used


def test_display_groups_by_five_and_normalise_undoes_it():
    code = codes.new_codes(1)[0]
    shown = codes.display(code)
    assert shown.count("-") == 2 and len(shown) == 17
    assert codes.normalise(shown.lower()) == code
    assert codes.normalise(" ".join(shown.split("-"))) == code


@given(st.integers(min_value=0, max_value=codes.CODE_LENGTH - 1), st.data())
def test_every_single_character_typo_is_caught(position, data):
    code = codes.new_codes(1)[0]
    wrong = data.draw(st.sampled_from([c for c in codes.ALPHABET if c != code[position]]))
    typo = code[:position] + wrong + code[position + 1 :]
    assert codes.problem_with(typo) == codes.CodeProblem.BAD_CHECK


def test_every_swap_of_two_different_characters_is_caught():
    for code in codes.new_codes(50):
        for i, j in itertools.combinations(range(codes.CODE_LENGTH), 2):
            if code[i] == code[j]:
                continue
            swapped = list(code)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            assert codes.problem_with("".join(swapped)) == codes.CodeProblem.BAD_CHECK


def test_malformed_codes_are_told_apart_from_typos():
    assert codes.problem_with("ABC") == codes.CodeProblem.MALFORMED
    assert codes.problem_with("O" * 15) == codes.CodeProblem.MALFORMED
