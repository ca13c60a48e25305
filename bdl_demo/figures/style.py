"""How every figure looks and is saved: slide-sized, large type, deterministic SVG.

A figure of w×h inches goes on the slide as an <img> of 100·w × 100·h CSS px (PX_PER_INCH), and
reveal.js scales the 1280×720 slide by 1/1.04 ≈ 0.96 at a 1280×720 screen: 96 px per inch, so
1 pt of text is 1.33 px on screen. That holds only while the deck's CSS does not shrink the image
further (max-height 500 px full-width, 520 px stacked, 430 px in two columns), so FULL, HALF and
the matrix view are at most that tall and 1 pt stays 1.33 px in every usual slot: the smallest
text, SMALL = 14 pt, is 18.7 px. (The "three views at once" summary shrinks figures below that.)
"""
from __future__ import annotations

import io
import re
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from bdl_demo import palette  # noqa: E402

PX_PER_INCH = 100
FULL = (12.0, 5.0)  # a figure that fills the slide below its title: 500 px tall at most
HALF = (6.0, 4.3)  # one of two figures side by side, "from this… to this": 430 px at most

BIG, MEDIUM, SMALL = 18, 16, 14  # points; SMALL is the floor, 18.7 px on the slide

STYLE = {
    "svg.hashsalt": "bdl-demo",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": MEDIUM,
    "axes.titlesize": BIG,
    "axes.labelsize": MEDIUM,
    "xtick.labelsize": SMALL,
    "ytick.labelsize": SMALL,
    "legend.fontsize": SMALL,
    **dict.fromkeys(("axes.edgecolor", "axes.labelcolor", "text.color", "xtick.color", "ytick.color"),
                    palette.TEXT_COLOR),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 1.2,
    "lines.linewidth": 2.5,
    "savefig.dpi": PX_PER_INCH,
    "image.interpolation": "nearest",
}


@contextmanager
def slide_style():
    """Apply the deck's style while a figure is drawn and saved, without touching global state."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(size=HALF) -> Figure:
    """A figure not registered with pyplot, so nothing leaks between figures."""
    figure = Figure(figsize=size, dpi=PX_PER_INCH)
    FigureCanvasAgg(figure)
    return figure


def inch_axes(figure: Figure):
    """One invisible axes over the whole figure whose data units are inches: for diagrams."""
    width, height = figure.get_size_inches()
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def fit_inside(figure: Figure, margin: float = 0.005) -> None:
    """Move axes edges in until their labels lie inside the figure: a user's data set may bring class and
    feature names longer than the bundled ones the layouts were made for. Axes in one row (a matrix and
    its colour bar) take the same vertical inset, so they stay level; diagrams (no axis lines) stay."""
    axes = [ax for ax in figure.axes if ax.axison]
    renderer = figure.canvas.get_renderer()
    to_figure = figure.transFigure.inverted()
    boxes = {ax: ax.get_position() for ax in axes}
    insets = {}  # how far each axes' labels stick out: left, bottom, right, top
    for ax in axes:
        tight = ax.get_tightbbox(renderer).transformed(to_figure)
        insets[ax] = [max(0.0, margin - tight.x0), max(0.0, margin - tight.y0),
                      max(0.0, tight.x1 - 1 + margin), max(0.0, tight.y1 - 1 + margin)]
    for ax in axes:
        box = boxes[ax]
        row = [other for other in axes  # the axes level with this one take the same vertical inset
               if abs(boxes[other].y0 - box.y0) < 1e-6 and abs(boxes[other].y1 - box.y1) < 1e-6]
        left, right = insets[ax][0], insets[ax][2]
        bottom, top = (max(insets[other][k] for other in row) for k in (1, 3))
        if not (left or bottom or right or top):
            continue
        x0, x1 = box.x0 + left, box.x1
        if x1 - right - x0 > 0.5 * box.width:
            x1 -= right
        else:  # a colour bar: moved in, not squeezed
            x0, x1 = x0 - right, x1 - right
        ax.set_position((x0, box.y0 + bottom, x1 - x0, box.height - bottom - top))


def smallest_text_pt(figure: Figure) -> float | None:
    """The font size in pt of the smallest visible text the figure draws (None if it draws none):
    with the figure's height and its size on the page, how small its text is on the screen."""
    from matplotlib.text import Text

    sizes = [t.get_fontsize() for t in figure.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.get_alpha() != 0]
    return float(min(sizes)) if sizes else None


PATH_DATA = re.compile(rb' d="([^"]*)"')
LONG_NUMBER = re.compile(rb"-?\d+\.\d{3,}")


def svg_bytes(figure: Figure) -> bytes:
    """The figure as SVG without a date, so the same drawing always gives the same bytes; paths to
    a hundredth of a point and no indentation, a fifth smaller and the same to the eye."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, facecolor="white")
    svg = PATH_DATA.sub(lambda m: b' d="' + b" ".join(LONG_NUMBER.sub(_hundredths, m[1]).split()) + b'"',
                        buffer.getvalue())
    return re.sub(rb"\n\s+", b"\n", svg)


def _hundredths(match: re.Match) -> bytes:
    text = (b"%.2f" % float(match[0])).rstrip(b"0").rstrip(b".")
    return b"0" if text == b"-0" else text


def two_class_cmap() -> LinearSegmentedColormap:
    """Probability of class 1: class 0's colour at 0, white at 0.5, class 1's colour at 1."""
    low, high = palette.CLASS_COLORS
    return LinearSegmentedColormap.from_list("two-class", [low, "#ffffff", high])


def scatter_classes(ax, X, y, class_names, size=42):
    """Data as open black markers, one shape per class; large clouds are rasterised."""
    for k, name in enumerate(class_names):
        rows = y == k
        ax.scatter(X[rows, 0], X[rows, 1], s=size, marker=palette.CLASS_MARKERS[k % 2],
                   facecolors="white", edgecolors=palette.DATA_COLOR, linewidths=1.1,
                   label=name, zorder=3, rasterized=len(X) > 1000, gid=f"data-{k}")


def signed(value: float, digits: int = 1) -> str:
    """A number with a true minus sign, as printed on a slide: −0.8 rather than -0.8."""
    text = f"{value:.{digits}f}"
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text.replace("-", "\u2212")
