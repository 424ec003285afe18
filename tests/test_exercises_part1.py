"""The Part I checkers pass correct answers and explain wrong ones."""
import numpy as np
import pytest

from lib import search
from lib.exercises import ExerciseError, part1


def good_cosine(u, v):
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


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
    def good(kv, words):
        V = search.normalize(kv[words])
        return words[int(np.argmin((V @ V.T).sum(1)))]
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
    def good(kv, a, b, c):
        return kv.most_similar(positive=[b, c], negative=[a], topn=1)[0][0]
    assert part1.check_analogy(good, glove).startswith("PASSED")
    with pytest.raises(ExerciseError, match="is not 'prince'"):
        part1.check_analogy(lambda kv, a, b, c: "prince", glove)
    with pytest.raises(ExerciseError, match="exclude a, b and c"):
        part1.check_analogy(lambda kv, a, b, c: b, glove)
