"""The deck's one palette: every figure and equation takes its colours from here.

The vocabulary: weights red, biases teal, activations orange, data open black markers; the
prior is always faint grey behind the posterior, and the fitted function is indigo.
"""

WEIGHT_COLOR = "#c62828"
BIAS_COLOR = "#00838f"
ACTIVATION_COLOR = "#ef6c00"
DATA_COLOR = "#000000"
PRIOR_COLOR = "#9e9e9e"
MODEL_COLOR = "#3949ab"
BOUNDARY_COLOR = "#212121"
ERROR_COLOR = "#d81b60"
TEXT_COLOR = "#212121"
GRID_COLOR = "#e0e0e0"

# The deck's answers to a pointer: parts that show the parameter pointed at, and the draw played.
LINK_COLOR = "#f9a825"
LINK_FILL = "#fff3b0"
FOCUS_COLOR = "#1a5fb4"  # the keyboard's focus ring

# Ways to the posterior, wherever they are compared: the MAP, the posterior the deck shows (NUTS or
# Laplace), mean-field ADVI beside it, and the exact answer where there is one.
METHOD_COLORS = {"map": "#212121", "posterior": MODEL_COLOR, "advi": "#8e24aa", "exact": "#000000"}

# Two-class probability maps run from class 0 (purple) through white to class 1 (green).
CLASS_COLORS = ("#5e3c99", "#4d9221")
CLASS_MARKERS = ("o", "^")

# Colormaps named by matplotlib, one meaning each: class probabilities, spread across draws,
# signed weights (red positive, blue negative: no grey, which means spread), data pixels.
PROBABILITY_CMAP = "Purples"
UNCERTAINTY_CMAP = "Greys"
WEIGHT_CMAP = "RdBu_r"
PIXEL_CMAP = "gray_r"
