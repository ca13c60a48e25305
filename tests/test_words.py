"""Sentences generated from numbers: each branch, at and around its boundaries."""
import pytest

from bdl_demo.deck.words import best_at_flagging, compared, flagging, the


@pytest.mark.parametrize("auroc,verdict", [(0.95, "flags them"), (0.70, "flags them"),
                                           (0.69, "flags them about as well as chance"),
                                           (0.50, "flags them about as well as chance"),
                                           (0.30, "flags them about as well as chance"),
                                           (0.29, "doubts them less than the test inputs"),
                                           (0.01, "doubts them less than the test inputs")])
def test_an_auroc_in_words(auroc, verdict):
    assert flagging(auroc).startswith(verdict)
    if auroc < 0.3:
        assert "opposite of what we want" in flagging(auroc)


def test_best_at_flagging_only_above_chance():
    assert best_at_flagging({"posterior": 0.92, "advi": 0.6}) == ["posterior"]
    assert best_at_flagging({"posterior": 0.01, "advi": 0.42}) == []  # below chance is no "best"
    assert best_at_flagging({"posterior": 0.5, "advi": 0.5}) == []
    assert best_at_flagging({"posterior": 0.4, "ensemble": 0.51}) == ["ensemble"]
    assert best_at_flagging({"posterior": 0.9952, "advi": 0.9954, "ensemble": 0.97}) == ["posterior", "advi"]


def test_two_scores_compared():
    words = ("better", "worse", "same")
    assert compared(0.10, 0.15, *words) == "better"
    assert compared(0.15, 0.10, *words) == "worse"
    assert compared(0.103, 0.101, *words) == "same"


@pytest.mark.parametrize("title,phrase", [("A deep net", "the deep net"), ("A deep net on moons", "the deep net on moons"),
                                          ("An ensemble", "the ensemble"), ("Linear regression", "the linear regression"),
                                          ("MNIST net", "the MNIST net"), ("The big one", "the big one")])
def test_a_title_inside_a_sentence(title, phrase):
    assert the(title) == phrase
