"""The Part I checkers pass correct answers and explain wrong ones."""
import numpy as np
import pytest

from lib import search
from lib.exercises import ExerciseError, part1


def good_cosine(u, v):
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


def good_odd_one_out(kv, words):
    V = search.normalize(kv[words])
    return words[int(np.argmin((V @ V.T).sum(1)))]


def good_solve(kv, a, b, c):
    return kv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]


#: a correct solution of each checker: its learner arguments (the table ``kv`` comes from
#: tests/test_exercises_delegation.py's NEEDS)
SOLUTIONS = {"check_cosine": (good_cosine,), "check_odd_one_out": (good_odd_one_out,), "check_analogy": (good_solve,)}


def test_cosine_checker():
    assert part1.check_cosine(good_cosine).startswith("PASSED")
    with pytest.raises(ExerciseError, match="must not change when a vector is scaled"):
        part1.check_cosine(lambda u, v: float(u @ v / (np.linalg.norm(u) * np.sqrt(2))))
    with pytest.raises(ExerciseError, match="not implemented"):
        part1.check_cosine(...)

    def stub(u, v):
        raise NotImplementedError()
    with pytest.raises(ExerciseError, match="not implemented yet"):
        part1.check_cosine(stub)


def test_odd_one_out_checker(glove):
    good = good_odd_one_out
    assert part1.check_odd_one_out(good, glove).startswith("PASSED")
    with pytest.raises(ExerciseError, match="not one of"):
        part1.check_odd_one_out(lambda kv, words: "zebra", glove)
    with pytest.raises(ExerciseError, match="is not the odd one out") as err:
        part1.check_odd_one_out(lambda kv, words: words[0], glove)
    assert "car" not in str(err.value).split("]")[-1]          # the message does not give the answer away
    assert part1.check_odd_one_out(good, glove, hidden=True).startswith("PASSED")
    with pytest.raises(ExerciseError, match="hidden test"):     # memorising the visible order fails
        part1.check_odd_one_out(lambda kv, words: words[-1], glove, hidden=True)


def test_analogy_checker(glove):
    good = good_solve
    assert part1.check_analogy(good, glove).startswith("PASSED")
    with pytest.raises(ExerciseError, match="is not 'prince'"):
        part1.check_analogy(lambda kv, a, b, c: "prince", glove)
    with pytest.raises(ExerciseError, match="exclude a, b and c"):
        part1.check_analogy(lambda kv, a, b, c: b, glove)
    assert part1.check_analogy(good, glove, hidden=True).endswith("(hidden tests)")
    visible = [("man", "king", "woman"), ("france", "paris", "japan"), ("slow", "slower", "fast")]
    answers = {q: good(glove, *q) for q in visible}
    memorised = lambda kv, a, b, c: answers.get((a, b, c), answers[visible[0]])  # noqa: E731 - visible ones only
    assert part1.check_analogy(memorised, glove).startswith("PASSED")
    with pytest.raises(ExerciseError, match="hidden test of ex-p1-c1-analogy"):
        part1.check_analogy(memorised, glove, hidden=True)
    with pytest.raises(ExerciseError, match="hidden test") as err:       # hidden: the question words still excluded
        part1.check_analogy(lambda kv, a, b, c: b, glove, hidden=True)
    assert "exclude a, b and c" in str(err.value)
