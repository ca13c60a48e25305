"""What a build computes once and keeps: data sets, fits, evaluations, figures and the report —
each from the cache when nothing it depends on changed (stages 2 to 5, and 7)."""
