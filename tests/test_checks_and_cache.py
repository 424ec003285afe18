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


# --------------------------------------------------------------------------- cache robustness (reliability review)
def _counting(value):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


@pytest.mark.parametrize("damage", ["half", "empty", "garbage"])
@pytest.mark.parametrize("suffix", [".npy", ".pkl"])
def test_an_unreadable_cache_file_is_a_miss(tmp_cache, damage, suffix):
    compute, calls = _counting(np.arange(1000.0))
    fn = cache.cached_array if suffix == ".npy" else cache.cached_object
    fn("t", {"n": 1}, compute)
    path = cache.path_for("t", {"n": 1}, suffix)
    blob = path.read_bytes()
    path.write_bytes({"half": blob[:len(blob) // 2], "empty": b"", "garbage": b"not a cache file"}[damage])
    with pytest.warns(RuntimeWarning, match="could not be read"):
        again = fn("t", {"n": 1}, compute)
    assert len(calls) == 2 and np.array_equal(again, np.arange(1000.0))
    assert np.array_equal(fn("t", {"n": 1}, compute), again) and len(calls) == 2   # rewritten, read back


@pytest.mark.parametrize("value", [np.array(["a", None], dtype=object), {"a": 1}])
def test_cached_array_refuses_object_arrays_when_writing(tmp_cache, value):
    with pytest.raises(TypeError, match="use cached_object"):
        cache.cached_array("t", {"v": 1}, lambda: value)
    assert not list(tmp_cache.glob("t-*"))


def test_writes_use_unique_temporary_files(tmp_cache, monkeypatch):
    names = []
    real = cache.tempfile.mkstemp

    def spy(*args, **kwargs):
        fd, name = real(*args, **kwargs)
        names.append(name)
        return fd, name

    monkeypatch.setattr(cache.tempfile, "mkstemp", spy)
    for _ in range(2):
        cache.cached_array("t", {"n": 1}, lambda: np.ones(3), refresh=True)
        cache.cached_object("t", {"n": 1}, lambda: [1], refresh=True)
    assert len(set(names)) == 4 and all(n.startswith(str(tmp_cache)) for n in names)
    assert sorted(p.name for p in tmp_cache.iterdir()) == sorted(
        [cache.key("t", {"n": 1}) + ".npy", cache.key("t", {"n": 1}) + ".pkl"])     # no temporary file left


def test_two_processes_writing_the_same_key(tmp_cache):
    import subprocess
    import sys

    code = ("import numpy as np; from lib import cache\n"
            "for _ in range(15):\n"
            "    cache.cached_array('race', {'n': 1}, lambda: np.ones((500, 500)), refresh=True)\n"
            "    cache.cached_object('race', {'n': 1}, lambda: list(range(50000)), refresh=True)\n")
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE) for _ in range(2)]
    errors = [p.communicate()[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    assert cache.cached_array("race", {"n": 1}, lambda: None).shape == (500, 500)
    assert len(cache.cached_object("race", {"n": 1}, lambda: None)) == 50000


def test_a_read_only_cache_folder_returns_the_value(tmp_cache, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(cache.tempfile, "mkstemp", refuse)
    with pytest.warns(RuntimeWarning, match="returned uncached"):
        assert cache.cached_array("t", {"n": 1}, lambda: np.ones(2)).tolist() == [1.0, 1.0]
    with pytest.warns(RuntimeWarning, match="returned uncached"):
        assert cache.cached_object("t", {"n": 1}, lambda: {"a": 1}) == {"a": 1}


def test_a_cache_path_that_is_a_file(tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path / "afile"))
    with pytest.raises(NotADirectoryError, match="is a file"):
        cache.cache_dir()
    with pytest.warns(RuntimeWarning, match="not usable"):
        assert cache.cached_array("t", {"n": 1}, lambda: np.ones(2)).shape == (2,)


def test_clear_touches_only_its_own_namespace_and_files(tmp_cache):
    cache.cached_object("static-word2vec", {"n": 1}, lambda: 1)
    cache.cached_object("static-word2vec-ctx", {"n": 1}, lambda: 2)
    cache.cached_array("my", {"n": 1}, lambda: np.ones(2))
    (tmp_cache / "my-notes.txt").write_text("keep me")
    (tmp_cache / "README").write_text("keep me too")
    assert cache.clear("static-word2vec") == 1
    assert cache.cached_object("static-word2vec-ctx", {"n": 1}, lambda: None) == 2
    assert cache.clear("my") == 1 and (tmp_cache / "my-notes.txt").exists()
    assert cache.clear() == 1
    assert sorted(p.name for p in tmp_cache.iterdir()) == ["README", "my-notes.txt"]


def test_keys_of_object_arrays_and_surrogates():
    a = np.array(["some text 3", None], dtype=object)
    b = np.array(["some text 3", None], dtype=object)
    assert cache.key("n", {"x": a}) == cache.key("n", {"x": b})            # by content, not pointers
    assert cache.key("n", {"x": a}) != cache.key("n", {"x": np.array(["other", None], dtype=object)})
    import subprocess
    import sys
    code = "import numpy as np; from lib import cache; print(cache.key('n', {'x': np.array(['some text 3', None], dtype=object)}))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == \
        cache.key("n", {"x": a})                                              # the same in another process
    assert cache.key("n", ["\ud800"]) != cache.key("n", ["\ud801"])        # lone surrogates: a stable key
    assert cache.key("n", ["\ud800"]) == cache.key("n", ["\ud800"])
    with pytest.raises(ValueError, match="namespace must be"):
        cache.key("", {})
    with pytest.raises(ValueError, match="namespace must be"):
        cache.key("a/b", {})


def test_keys_of_ordinary_inputs_are_unchanged():
    # the cache under .cache/ is warm: these keys were computed by the first implementation
    assert cache.key("t", {"n": 3}) == "t-918775a4f50f79544d45"
    assert cache.key("ns", {"texts": ["héllo", "日本"], "v": 2, "ids": np.arange(4)}) == \
        "ns-" + __import__("hashlib").sha256(
            ('ns\n{"ids": {"__ndarray__": "' + __import__("hashlib").sha256(np.arange(4).tobytes()).hexdigest()
             + '", "dtype": "int64", "shape": [4]}, "texts": ["héllo", "日本"], "v": 2}').encode()).hexdigest()[:20]


# --------------------------------------------------------------------------- checks edges
def test_checks_edges():
    with pytest.raises(ValueError, match="queries must be an array"):
        checks.same_dim(None, np.zeros((2, 3)))
    checks.same_dim([[1, 2]], [[3, 4]])                                       # lists are fine
    with pytest.raises(ValueError, match="words must be a list"):
        checks.non_empty(3, "words")
    with pytest.raises(ValueError, match="texts must be a list of strings; got int"):
        checks.texts(3)
    with pytest.raises(ValueError, match="got bytes"):
        checks.texts(b"abc")
    assert checks.texts(t for t in ["a", "b"]) == ["a", "b"]
    with pytest.raises(KeyError, match="'cat'") as err:
        checks.known_words("cat", {"dog": 0})
    assert "'c'" not in str(err.value)
    with pytest.raises(ValueError, match="X is None"):
        checks.as_matrix(None)
    for bad in (np.array([1 + 2j]), np.array(["2020-01-01"], dtype="datetime64[D]")):
        with pytest.raises(ValueError, match="must hold real numbers"):
            checks.as_matrix(bad)


def test_prefill_computes_in_workers_what_the_caller_then_reads(tmp_cache):
    from lib import hyperbolic

    tree = hyperbolic.balanced_tree(2, 3)
    jobs = [(hyperbolic.train_poincare, dict(tree=tree, dim=d, epochs=3, seed=0)) for d in (2, 3)]
    assert cache.prefill(jobs, n_jobs=2) == 2
    assert len(list(tmp_cache.glob("hyperbolic-poincare-*.npy"))) == 2        # stored by the workers
    from_workers = [fn(**kw) for fn, kw in jobs]                                # cache hits
    cache.clear("hyperbolic-poincare")
    alone = [fn(**kw) for fn, kw in jobs]                                       # computed here, one by one
    for a, b in zip(from_workers, alone):
        assert np.array_equal(a, b)
    assert cache.prefill(jobs[:1]) == 0                                         # one job: nothing to overlap


def test_prefill_refuses_what_a_worker_cannot_import():
    def local(x):
        return x
    with pytest.raises(ValueError, match="not importable"):
        cache.prefill([(local, {}), (local, {})])
    with pytest.raises(TypeError, match="pair"):
        cache.prefill([local, local])
    with pytest.raises(ValueError, match="n_jobs"):
        cache.prefill([(np.eye, {"N": 2})] * 2, n_jobs=0)


@pytest.mark.parametrize("suffix", [".npy", ".pkl"])
def test_cache_files_are_readable_by_other_users(tmp_cache, suffix):
    """The grading sandbox runs as another user: a cache file must have the mode open() would give it."""
    import os
    import stat

    fn = cache.cached_array if suffix == ".npy" else cache.cached_object
    fn("t", {"n": 1}, lambda: np.ones(3))
    mode = stat.S_IMODE(os.stat(cache.path_for("t", {"n": 1}, suffix)).st_mode)
    assert mode == cache.FILE_MODE
    mask = os.umask(0)
    os.umask(mask)
    assert cache.FILE_MODE == 0o666 & ~mask and (mask & 0o044 or mode & 0o044 == 0o044)


def test_a_cache_file_this_user_cannot_read_is_kept(tmp_cache, monkeypatch):
    """Another user's file (permission denied) is computed around, never deleted."""
    compute, calls = _counting(np.arange(5.0))
    cache.cached_array("t", {"n": 1}, compute)
    path = cache.path_for("t", {"n": 1}, ".npy")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache.np, "load", denied)
    with pytest.warns(RuntimeWarning, match="not readable by this user"):
        assert cache.cached_array("t", {"n": 1}, compute).tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert path.exists() and len(calls) == 2
