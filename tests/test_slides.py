"""The slide Markdown: parsed once into stacks of slides, rendered to reveal.js sections."""
import pytest

from bdl_demo.results.figures import Figures
from bdl_demo.deck.html import SlideRenderer
from bdl_demo.deck.slides import SlideError, parse_talk, plain_markdown

TALK = """\
# First

Hello.

---

## Second, top

{.fragment}
Later.

::: notes
Say *this*.
:::

--

### Second, below

{.fragments}
- one
- two

---

### Twins

::: twins
![](figure:a-matrix-point)

{.fragment}
![](figure:a-matrix-posterior)
:::
"""


def manifest(width=600, height=430):
    return {figure_id: {"file": f"{figure_id}.svg", "alt": f"alt of {figure_id}", "width": width,
                        "height": height}
            for figure_id in ("a-matrix-point", "a-matrix-posterior")}


def test_lines_of_dashes_make_stacks_and_slides():
    stacks = parse_talk(TALK)
    assert [[slide.title for slide in stack] for stack in stacks] == [
        ["First"], ["Second, top", "Second, below"], ["Twins"]]
    assert stacks[2][0].figures == ["a-matrix-point", "a-matrix-posterior"]


def test_notes_are_kept_apart_from_the_slide():
    slide = parse_talk(TALK)[1][0]
    assert slide.notes_text == "Say *this*."
    assert all(block.layout != "notes" for block in slide.blocks)
    html = SlideRenderer(Figures()).slide(slide)
    assert '<aside class="notes">\n<p>Say <em>this</em>.</p>\n</aside>' in html
    assert '<p class="fragment">Later.</p>' in html


def test_a_fragments_list_steps_item_by_item():
    html = SlideRenderer(Figures()).slide(parse_talk(TALK)[1][1])
    assert html.count('<li class="fragment">') == 2


@pytest.mark.parametrize("size, layout", [((600, 430), "columns two"), ((1200, 500), "r-stack")])
def test_twins_sit_side_by_side_unless_they_are_wide(size, layout):
    html = SlideRenderer(Figures(manifest(*size))).slide(parse_talk(TALK)[2][0])
    assert f'<div class="{layout}">' in html
    assert "<figcaption>from this…</figcaption>" in html and "<figcaption>…to this</figcaption>" in html
    assert html.index("from this…") < html.index("a-matrix-point.svg")  # the caption comes first
    assert html.count('class="fragment') == 2 if layout == "r-stack" else 1
    slide = parse_talk(TALK)[2][0]
    before = [(t.attrs, t.info, t.meta) for b in slide.blocks for t in b.tokens]
    SlideRenderer(Figures(manifest(*size))).slide(slide)
    assert [(t.attrs, t.info, t.meta) for b in slide.blocks for t in b.tokens] == before  # the notebook reads them too
    assert 'alt="alt of a-matrix-posterior"' in html and 'width="' in html


def test_math_is_left_for_katex_and_escaped_for_html():
    stacks = parse_talk("## M\n\nInline $a < b$ and\n\n$$\nx \\\\ y & z\n$$\n")
    html = SlideRenderer(Figures()).slide(stacks[0][0])
    assert r"\(a &lt; b\)" in html
    assert r'<div class="math">\[x \\ y &amp; z\]</div>' in html


def test_raw_html_is_shown_as_text_not_run():
    html = SlideRenderer(Figures()).slide(parse_talk("## H\n\n<script>alert(1)</script>\n")[0][0])
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_figure_the_build_cannot_make_names_the_slide():
    def check(figure_id):
        raise SlideError(f"no figure {figure_id!r}")

    with pytest.raises(SlideError, match=r'slide "Twins": no figure \'a-matrix-point\''):
        parse_talk(TALK, check_figure=check)


def test_plain_markdown_drops_the_deck_only_syntax():
    source = "{.fragment}\nA [weight]{.weight} here.\n![cap](figure:x){.fragment}"
    assert plain_markdown(source) == "A weight here.\n![cap](figure:x)"


def test_slides_after_the_appendix_line_are_marked_and_rendered_uncounted():
    stacks = parse_talk("# One\n\n---\n\n## Two\n\n--- appendix\n\n## Three\n\n--\n\n### Four\n\n---\n\n## Five\n")
    assert [[(s.title, s.appendix) for s in stack] for stack in stacks] == [
        [("One", False)], [("Two", False)], [("Three", True), ("Four", True)], [("Five", True)]]
    renderer = SlideRenderer(Figures())
    assert 'data-visibility="uncounted"' in renderer.slide(stacks[2][1])
    assert "data-visibility" not in renderer.slide(stacks[1][0])


def test_a_second_appendix_line_is_an_error():
    with pytest.raises(SlideError, match='2 "--- appendix" lines'):
        parse_talk("# One\n\n--- appendix\n\n## Two\n\n--- appendix\n\n## Three\n")
