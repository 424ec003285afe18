"""Unit tests for lib.plots: the interactive word map and its static fallback."""
import base64
import json

import numpy as np
import pytest

from lib import plots

WORDS = ["king", "queen", "man", "woman", "paris", "france", "berlin", "germany", "cat", "dog"]
GROUPS = ["royal", "royal", "people", "people", "places", "places", "places", "places", "animals", "animals"]


@pytest.fixture(scope="module")
def kv():
    from lib import models

    return models.load_glove(n_words=20000)


def test_pca_coordinates_match_sklearn(kv):
    from sklearn.decomposition import PCA

    xy = plots.word_map_coordinates(kv, WORDS)
    assert xy.shape == (len(WORDS), 2)
    ref = PCA(n_components=2, svd_solver="full").fit_transform(np.stack([kv[w] for w in WORDS]).astype(np.float64))
    for j in range(2):  # equal up to the sign of each component
        s = np.sign(xy[:, j] @ ref[:, j])
        np.testing.assert_allclose(xy[:, j], s * ref[:, j], atol=1e-4)


def test_pca_coordinates_are_deterministic(kv):
    a = plots.word_map_coordinates(kv, WORDS)
    b = plots.word_map_coordinates(kv, list(WORDS))
    np.testing.assert_array_equal(a, b)


def test_tsne_coordinates_keep_neighbours_close(kv):
    xy = plots.word_map_coordinates(kv, WORDS, method="tsne", seed=0)
    assert xy.shape == (len(WORDS), 2) and np.isfinite(xy).all()
    d = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    # paris is nearer to france than to dog in the t-SNE map, as in the 50-d space
    assert d[4, 5] < d[4, 9]


def test_word_map_figure_traces_and_hover(kv):
    fig = plots.word_map_figure(kv, WORDS, groups=GROUPS, n_neighbours=3)
    assert [t.name for t in fig.data] == ["royal", "people", "places", "animals"]
    assert [t.marker.color for t in fig.data] == list(plots.PALETTE[:4])
    assert sum(len(t.x) for t in fig.data) == len(WORDS)
    royal = fig.data[0]
    assert list(royal.text) == ["king", "queen"]
    hover = royal.customdata[0]
    assert "<b>king</b>" in hover and "frequency rank" in hover
    # the hover lists king's true nearest neighbours in the full 50-d space
    from lib import search

    expected = [w for w, _ in search.neighbours(kv, "king", k=3, restrict=20000)]
    for w in expected:
        assert f"  {w}  " in hover
    # positions are the PCA coordinates
    xy = plots.word_map_coordinates(kv, WORDS)
    np.testing.assert_allclose(royal.x, xy[:2, 0], atol=1e-3)


def test_word_map_figure_without_groups_or_neighbours(kv):
    fig = plots.word_map_figure(kv, WORDS[:4], n_neighbours=0)
    assert len(fig.data) == 1 and "nearest" not in fig.data[0].customdata[0]


@pytest.mark.parametrize("kwargs, exc, msg", [
    (dict(words=["king", "qqqzzz", "man"]), KeyError, "unknown word"),
    (dict(words=[]), ValueError, "empty"),
    (dict(words="king"), ValueError, "not a single string"),
    (dict(words=["king", "king", "man"]), ValueError, "duplicates"),
    (dict(words=["king", "man"]), ValueError, "at least 3"),
    (dict(words=WORDS, groups=GROUPS[:3]), ValueError, "shape mismatch"),
    (dict(words=WORDS, method="umap"), ValueError, "unknown method"),
    (dict(words=WORDS, n_neighbours=-1), ValueError, "non-negative"),
    (dict(words=WORDS, restrict=0), ValueError, "restrict"),
    (dict(words=WORDS, n_neighbours=30, restrict=10), ValueError, "larger than"),
    # options checked like every other module's (integers are integers, no NaN)
    (dict(words=WORDS, n_neighbours=True), ValueError, "n_neighbours"),
    (dict(words=WORDS, n_neighbours=2.5), ValueError, "n_neighbours"),
    (dict(words=WORDS, restrict=2.5), ValueError, "restrict"),
    (dict(words=WORDS, height=0), ValueError, "height"),
    (dict(words=WORDS, seed=1.5), ValueError, "seed"),
    (dict(words=WORDS, groups="royal"), ValueError, "single string"),
])
def test_word_map_figure_errors(kv, kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        plots.word_map_figure(kv, **kwargs)


def test_nan_vectors_are_rejected():
    from lib import models

    kv = models.keyed_vectors(["a", "b", "c"], np.ones((3, 4)))
    kv.vectors[1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        plots.word_map_coordinates(kv, ["a", "b", "c"])


def test_tsne_perplexity_error(kv):
    with pytest.raises(ValueError, match="perplexity"):
        plots.word_map_coordinates(kv, WORDS, method="tsne", perplexity=50)


def test_static_png_is_a_png(kv):
    fig = plots.word_map_figure(kv, WORDS, groups=GROUPS, n_neighbours=0)
    png = plots.static_png(fig)
    assert png.startswith(b"\x89PNG") and len(png) > 10000


def test_static_png_rejects_other_traces():
    import plotly.graph_objects as go

    with pytest.raises(ValueError, match="no traces"):
        plots.static_png(go.Figure())
    with pytest.raises(ValueError, match="scatter traces only"):
        plots.static_png(go.Figure(go.Bar(x=[1], y=[2])))


def test_interactive_html_loads_plotly_locally(kv):
    fig = plots.word_map_figure(kv, WORDS, groups=GROUPS, n_neighbours=2)
    html = plots.interactive_html(fig)
    assert "cdn" not in html.lower() and "https://" not in html
    assert '_static/plotly.min.js' in html and "data-content_root" in html
    assert 'class="plotly-offline-fallback"' in html and "data:image/png;base64," in html
    spec = html.split('class="plotly-offline-spec">', 1)[1].split("</script>", 1)[0]
    data = json.loads(spec.replace("<\\/", "</"))
    assert [t["name"] for t in data["data"]] == ["royal", "people", "places", "animals"]
    assert plots.interactive_html(fig) == html  # deterministic (stable ids)


def test_interactive_mimebundle(kv):
    fig = plots.word_map_figure(kv, WORDS[:5], n_neighbours=0)
    bundle = plots.interactive(fig)._repr_mimebundle_()
    assert set(bundle) == {"text/html", "image/png", "application/vnd.plotly.v1+json", "text/plain"}
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert bundle["application/vnd.plotly.v1+json"]["data"][0]["type"] == "scatter"


def test_interactive_errors(kv):
    with pytest.raises(ValueError, match="plotly figure"):
        plots.interactive("not a figure")
    fig = plots.word_map_figure(kv, WORDS[:4], n_neighbours=0)
    with pytest.raises(ValueError, match="PNG"):
        plots.interactive_html(fig, fallback_png=b"GIF89a")


def test_pca_coordinates_are_linalg_pca(kv):
    from lib import linalg

    X = np.stack([kv[w] for w in WORDS]).astype(np.float64)
    np.testing.assert_allclose(plots.word_map_coordinates(kv, WORDS), linalg.PCA(2).fit(X).transform(X), atol=1e-6)


def test_bad_perplexity_and_dpi(kv):
    with pytest.raises(ValueError, match="perplexity"):
        plots.word_map_coordinates(kv, WORDS, method="tsne", perplexity=float("nan"))
    with pytest.raises(ValueError, match="dpi"):
        plots.static_png(plots.word_map_figure(kv, WORDS[:4], n_neighbours=0), dpi=0)
