from lib import data


def test_similarity_sets():
    ws, sl = data.wordsim353(), data.simlex999()
    assert len(ws) == 353 and len(sl) == 999
    assert ws.pairs[0] == ("love", "sex") and ws.scores[0] == 6.77
    for d in (ws, sl):
        assert {"source", "licence", "size"} <= set(d.info)


def test_analogies():
    an = data.google_analogies()
    assert len(an) == 19544 and len(an.sections) == 14
    assert an.sections["capital-common-countries"][0] == ("athens", "greece", "baghdad", "iraq")
    n_syn = sum(len(v) for k, v in an.sections.items() if an.is_syntactic(k))
    assert n_syn == 10675


def test_wikipedia_views():
    wiki = data.wikipedia()
    assert 90 <= len(wiki) <= 106
    assert 400_000 <= wiki.n_tokens() <= 500_000
    paras, sents = wiki.paragraphs(), wiki.sentences()
    assert len(paras) > 4000 and len(sents) > 15000
    assert all(0 <= i < len(wiki) for i, _ in sents[:100])
    assert "licence" in wiki.info


def test_small_corpora_and_tokenize():
    lee = data.lee_corpus()
    assert len(lee["background"]) == 300 and len(lee["test"]) == 50
    pol = data.polarity()
    assert len(pol) == 200 and pol.labels.sum() == 100
    assert len(data.imdb_sample()) == 10
    assert data.tokenize("Rock'n'roll isn't DEAD!") == ["rock'n", "roll", "isn't", "dead"]
    assert data.split_sentences("One here. Two there! Three?") == ["One here.", "Two there!", "Three?"]


def test_similarity_sets_share_one_loader():
    ws, sl = data.wordsim353(), data.simlex999()
    assert ws.info.keys() == sl.info.keys() == {"source", "licence", "size", "measures"}
    assert ws.info["size"].startswith("353 pairs") and sl.info["size"].startswith("999 pairs")
    assert ws.scores.dtype == sl.scores.dtype == float and all(a == a.lower() for p in sl.pairs for a in p)


def test_all_names_exist():
    assert all(hasattr(data, name) for name in data.__all__)


def test_sizes_are_checked():
    import pytest

    wiki = data.wikipedia()
    for bad in (2.5, -1, True):
        with pytest.raises(ValueError, match="min_words"):
            wiki.sentences(min_words=bad)
        with pytest.raises(ValueError, match="min_words"):
            wiki.paragraphs(min_words=bad)
        with pytest.raises(ValueError, match="min_chars"):
            data.wikipedia(min_chars=bad)
