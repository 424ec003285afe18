"""Checks for the exercises of Part I (chapter 1, "What is an embedding?")."""
from __future__ import annotations

import numpy as np

from . import call, close, exercise, expect, hidden, implemented, passed, rng as _rng, seed as _seed

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
    cases = [(["breakfast", "lunch", "dinner", "car"], "car"),
             (["paris", "london", "berlin", "banana"], "banana"),
             (["red", "green", "blue", "seven"], "seven")]
    for words, expected in cases:
        got = call(odd_one_out, kv, list(words))
        expect(isinstance(got, str), f"odd_one_out should return one word (a str); got {type(got).__name__}")
        expect(got in words, f"odd_one_out returned {got!r}, which is not one of {words}")
        expect(got == expected, f"for {words} the odd one out is {expected!r} (lowest mean cosine to the rest); you returned {got!r}")
    # the function must rely on vectors, not on the order of the words
    expect(call(odd_one_out, kv, ["car", "breakfast", "lunch", "dinner"]) == "car",
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
    cases = [("man", "king", "woman", "queen"), ("france", "paris", "japan", "tokyo"),
             ("slow", "slower", "fast", "faster")]
    for a, b, c, d in cases:
        got = call(solve, kv, a, b, c)
        expect(got not in (a, b, c),
               f"solve returned {got!r}, one of the question words; exclude a, b and c from the candidates")
        expect(got == d, f"{a} : {b} :: {c} : ? should give {d!r} with 3CosAdd on unit vectors; got {got!r}")
    return passed("ex-p1-c1-analogy")
