"""Checks for the exercises of Part I (chapter 1, "What is an embedding?")."""
from __future__ import annotations

import numpy as np

from . import call, close, exercise, expect, hidden, implemented, matches_digest, passed, rng as _rng

# sha256 of the expected words (lib.exercises.digest), so the student's copy does not hold the answers
_ODD = ("2b2961a431b23c9007efe270c1d7eb79c19d4192d7cd2d924176eb0b19e7d2a1",
        "b493d48364afe44d11c0165cf470a4164d1e2609911ef998be868d46ade3de4e",
        "3ba8d02b16fd2a01c1a8ba1a1f036d7ce386ed953696fa57331c2ac48a80b255")
_ANALOGY = ("a9c3c1f7674502331a5ad3e54592d3eb2fc39cf78bb908004777ff4ac89119e4",
            "afe04579004049ccce1843a40bdf9eb85f3a4839390375e35d0018a7f9aa70c8",
            "cb7a5742346e1c8560443d0d9b4bb7e1d3426500709d924a2e9fa7dd36984907")
# the hidden test's questions (its answers are computed by 3CosAdd at check time, never stored)
_HIDDEN_ANALOGIES = (("germany", "berlin", "italy"), ("good", "better", "bad"), ("boy", "girl", "brother"),
                     ("walking", "walked", "swimming"))

__all__ = ["check_cosine", "check_odd_one_out", "check_analogy"]


@exercise("ex-p1-c1-cosine", forbids=())
def check_cosine(cosine) -> str:
    """Exercise ex-p1-c1-cosine: ``cosine(u, v)`` for 1-D arrays.

    Parameters
    ----------
    cosine : callable, (ndarray (d,), ndarray (d,)) -> float

    Returns
    -------
    str
        ``"PASSED ex-p1-c1-cosine"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(cosine, "cosine")
    u, v = np.array([1.0, 0.0]), np.array([1.0, 1.0])
    close(call(cosine, u, v), np.sqrt(0.5), 1e-6, "cosine([1, 0], [1, 1])")
    close(call(cosine, u, 5 * v), np.sqrt(0.5), 1e-6,
          "cosine(u, 5 * v) (cosine must not change when a vector is scaled: divide by both norms)")
    close(call(cosine, u, -u), -1.0, 1e-6, "cosine(u, -u)")
    rng = _rng(1)
    a, b = rng.normal(size=50), rng.normal(size=50)
    close(call(cosine, a, b), a @ b / np.linalg.norm(a) / np.linalg.norm(b), 1e-6, "cosine of two random 50-d vectors")
    return passed("ex-p1-c1-cosine")


@exercise("ex-p1-c1-odd", forbids=())
def check_odd_one_out(odd_one_out, kv) -> str:
    """Exercise ex-p1-c1-odd: ``odd_one_out(kv, words)`` returns the word least like the others.

    Parameters
    ----------
    odd_one_out : callable, (KeyedVectors, list of str) -> str
    kv : gensim.models.KeyedVectors
        GloVe 6B 50d (the chapter's table).

    Returns
    -------
    str
        ``"PASSED ex-p1-c1-odd"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(odd_one_out, "odd_one_out")
    # the expected answers are stored as digests (lib.exercises.digest): the checker does not print them
    cases = [(["breakfast", "lunch", "dinner", "car"], _ODD[0]),
             (["paris", "london", "berlin", "banana"], _ODD[1]),
             (["red", "green", "blue", "seven"], _ODD[2])]
    if hidden():                           # the grader's hidden tests: other orders of the same words
        cases = [(list(np.roll(words, 1 + i)), want) for i, (words, want) in enumerate(cases)]
    for words, expected in cases:
        got = call(odd_one_out, kv, list(words))
        expect(isinstance(got, str), f"odd_one_out should return one word (a str); got {type(got).__name__}")
        expect(got in words, f"odd_one_out returned {got!r}, which is not one of {words}")
        expect(matches_digest(got, expected), f"for {words} {got!r} is not the odd one out (the word with the "
                                              f"lowest mean cosine to the rest)")
    # the function must rely on vectors, not on the order of the words
    first = call(odd_one_out, kv, list(cases[0][0]))
    expect(call(odd_one_out, kv, list(cases[0][0])[::-1]) == first,
           "the answer changed when the words were reordered: compare every word with all the others")
    return passed("ex-p1-c1-odd")


@exercise("ex-p1-c1-analogy", forbids=('lib.evaluate.analogy',))
def check_analogy(solve, kv) -> str:
    """Exercise ex-p1-c1-analogy: ``solve(kv, a, b, c)`` answers a : b :: c : ? with 3CosAdd.

    Parameters
    ----------
    solve : callable, (KeyedVectors, str, str, str) -> str
    kv : gensim.models.KeyedVectors
        The table the questions are answered in (GloVe 6B 50d in the chapter).

    Returns
    -------
    str
        ``"PASSED ex-p1-c1-analogy"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(solve, "solve")
    cases = [("man", "king", "woman", _ANALOGY[0]), ("france", "paris", "japan", _ANALOGY[1]),
             ("slow", "slower", "fast", _ANALOGY[2])]
    if hidden():                # the grader's hidden tests: other questions, answered here over kv's whole table
        cases = [q + (d,) for q, d in zip(_HIDDEN_ANALOGIES, _three_cos_add(kv, _HIDDEN_ANALOGIES))]
    for a, b, c, d in cases:
        got = call(solve, kv, a, b, c)
        expect(got not in (a, b, c),
               f"solve returned {got!r}, one of the question words; exclude a, b and c from the candidates")
        right = got == d if hidden() else matches_digest(got, d)
        expect(right, f"{a} : {b} :: {c} : ? is not {got!r} with 3CosAdd on unit vectors "
                      f"(add b - a to c, compare by cosine)")
    return passed("ex-p1-c1-analogy")


def _three_cos_add(kv, questions) -> list:
    """The hidden test's reference: for each ``(a, b, c)`` the word of ``kv`` maximising ``x . (b - a + c)`` on
    unit rows, a, b and c left out."""
    W = kv.vectors / np.linalg.norm(kv.vectors, axis=1, keepdims=True)
    out = []
    for question in questions:
        a, b, c = (kv.key_to_index[w] for w in question)
        scores = W @ (W[b] - W[a] + W[c])
        scores[[a, b, c]] = -np.inf
        out.append(kv.index_to_key[int(np.argmax(scores))])
    return out
