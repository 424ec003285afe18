import numpy as np
import pytest

from lib import cache, checks


def test_as_matrix_promotes_and_validates():
    assert checks.as_matrix([1, 2, 3]).shape == (1, 3)
    with pytest.raises(ValueError, match="NaN or infinite"):
        checks.as_matrix([[1.0, np.nan]])
    with pytest.raises(ValueError, match="NaN or infinite"):
        checks.as_matrix([[1.0, np.inf]])
    with pytest.raises(ValueError, match="empty"):
        checks.as_matrix(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="must be 2-D"):
        checks.as_matrix(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="numeric"):
        checks.as_matrix([["a", "b"]])


def test_check_k_and_dims():
    assert checks.check_k(3, 5) == 3
    with pytest.raises(ValueError, match="larger than the number"):
        checks.check_k(6, 5)
    with pytest.raises(ValueError, match="at least 1"):
        checks.check_k(0, 5)
    with pytest.raises(ValueError, match="dimension mismatch"):
        checks.same_dim(np.zeros((2, 3)), np.zeros((2, 4)))


def test_texts_and_known_words():
    assert checks.texts("one") == ["one"]
    with pytest.raises(ValueError, match="empty"):
        checks.texts([])
    with pytest.raises(ValueError, match="not a string"):
        checks.texts(["a", 3])
    with pytest.raises(KeyError, match="unknown word"):
        checks.known_words(["cat", "qwzx"], {"cat": 0})


def test_cache_reuses_and_keys_on_inputs(tmp_cache):
    calls = []

    def compute():
        calls.append(1)
        return np.arange(3.0)

    a = cache.cached_array("t", {"n": 3}, compute)
    b = cache.cached_array("t", {"n": 3}, compute)
    assert len(calls) == 1 and np.array_equal(a, b)
    cache.cached_array("t", {"n": 4}, compute)
    assert len(calls) == 2
    cache.cached_array("t", {"n": 3}, compute, refresh=True)
    assert len(calls) == 3
    obj = cache.cached_object("o", ["x", np.ones(2)], lambda: {"a": 1})
    assert obj == {"a": 1}
    assert cache.key("t", {"b": 1, "a": 2}) == cache.key("t", {"a": 2, "b": 1})
    assert cache.clear("t") == 2
    with pytest.raises(TypeError, match="cache key"):
        cache.key("t", object())
