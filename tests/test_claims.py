"""lib.claims: failed claims raise in strict runs and print a message in a reader's kernel."""
import math

import pytest

from lib import claims


@pytest.fixture()
def lenient(monkeypatch):
    monkeypatch.delenv(claims.STRICT_VAR, raising=False)


@pytest.fixture()
def strict(monkeypatch):
    monkeypatch.setenv(claims.STRICT_VAR, "1")


def test_close_within_tolerance_is_silent(strict, capsys):
    assert claims.close("MRR", 0.515, 0.519, 0.01) is True
    assert claims.holds(True, "anything") is True
    assert capsys.readouterr().out == ""


def test_strict_run_raises_naming_the_value(strict):
    with pytest.raises(AssertionError, match=r"MRR = 0\.4 where the default settings give 0\.519 ± 0\.01"):
        claims.close("MRR", 0.40, 0.519, 0.01)
    with pytest.raises(AssertionError, match="layer 1 wins"):
        claims.holds(False, "layer 1 wins")


def test_lenient_run_prints_what_moved_and_goes_on(lenient, capsys):
    assert claims.close("ρ on SimLex", 0.31, 0.36, 0.01) is False
    assert claims.holds(1 > 2, "one beats two") is False
    out = capsys.readouterr().out
    assert "ρ on SimLex = 0.31 where the default settings give 0.36" in out
    assert "if you changed a setting" in out and "one beats two" in out


def test_other_model_is_reported_even_in_strict_runs(strict, capsys):
    assert claims.close("MRR", 0.61, 0.519, 0.01, model="mpnet") is False
    assert claims.holds(False, "x", model="/tmp/my-model") is False
    out = capsys.readouterr().out
    assert out.startswith("mpnet: MRR = 0.61") and "my-model: this does not hold: x" in out


def test_default_model_is_held_in_strict_runs(strict):
    with pytest.raises(AssertionError):
        claims.close("MRR", 0.61, 0.519, 0.01, model="all-MiniLM-L6-v2")


def test_nan_is_never_close(strict):
    with pytest.raises(AssertionError, match="nan"):
        claims.close("recall", math.nan, 0.5, 1.0)


@pytest.mark.parametrize("tol", [-0.1, math.nan, "a"])
def test_bad_tolerance_is_named(tol, lenient):
    with pytest.raises(ValueError):
        claims.close("x", 1.0, 1.0, tol)


def test_strict_reads_the_variable():
    assert claims.strict({"BOOK_STRICT": "true"}) and not claims.strict({"BOOK_STRICT": "0"})
