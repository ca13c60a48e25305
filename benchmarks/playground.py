"""How fluid the playground is in this machine's Chromium: a draft deck built once, its "Train it
yourself" slide opened, and while the net trains until it settles, the frames the page drew
(counted by requestAnimationFrame), the longest gap between two, the steps per second, and when
the training accuracy first reached 0.95 — for the deck's own net and for the largest the
controls allow (3 hidden layers of 16 units).

    python benchmarks/playground.py [--deck SLIDES_DIR]

Prints a Markdown table for README.md and writes benchmarks/playground.json.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]

# Count frames until the playground says it has settled; note when its accuracy first reached 0.95.
MEASURE = """async (setUp) => {
  const figure = document.querySelector('.interactive[data-kind="playground"]');
  const start = performance.now(), frames = [];
  let reached = null, settled = false, training = false;  // training: this run's first report seen
  const watch = new MutationObserver(() => {
    training = training || figure.dataset.settled === 'false';
    if (training && reached === null && Number(figure.dataset.trainAccuracy) >= 0.95) reached = performance.now() - start;
    settled = training && figure.dataset.settled === 'true';
  });
  watch.observe(figure, { attributes: true });
  setUp(figure);
  await new Promise((done) => {
    const tick = (time) => { frames.push(time); if (settled) done(); else requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  watch.disconnect();
  const gaps = frames.slice(1).map((t, i) => t - frames[i]);
  const seconds = (frames[frames.length - 1] - frames[0]) / 1000;
  const sorted = [...gaps].sort((a, b) => a - b);
  return { frames: frames.length, seconds, fps: (frames.length - 1) / seconds, worst_gap_ms: Math.max(...gaps),
           p95_gap_ms: sorted[Math.floor(0.95 * (sorted.length - 1))], first_gap_ms: gaps[0],
           steps: Number(figure.dataset.steps), accuracy: Number(figure.dataset.trainAccuracy),
           to_95_ms: reached };
}"""

SHOW = """() => { const slide = Reveal.getSlides().find(s => s.querySelector('[data-kind="playground"]'));
  const {h, v} = Reveal.getIndices(slide); Reveal.slide(h, v); }"""

LARGEST = """(figure) => { const c = figure.querySelector('.bdl-controls');
  c.querySelectorAll('[data-role="width"]').forEach((w) => { w.value = '16'; });
  const layers = c.querySelector('[data-role="layers"]'); layers.value = '3';
  layers.dispatchEvent(new Event('change', { bubbles: true })); }"""


def measure(slides: Path) -> dict:
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto((slides / "index.html").as_uri())
        page.wait_for_function("window.Reveal && Reveal.isReady() && window.BDL")
        page.evaluate("Reveal.configure({transition: 'none'})")
        results["the deck's net"] = page.evaluate(MEASURE.replace("setUp(figure);", f"({SHOW})();"), None)
        results["3 × 16 units"] = page.evaluate(MEASURE.replace("setUp(figure);", f"({LARGEST})(figure);"), None)
        browser.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deck", type=Path, help="a built slides/ folder (default: build a draft deck now)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        slides = args.deck
        if slides is None:
            slides = Path(scratch) / "slides"
            subprocess.run([sys.executable, str(ROOT / "build.py"), "-q", "--quality", "draft", "--out", str(slides),
                            "--images", str(Path(scratch) / "images")], cwd=ROOT, check=True)
        results = measure(slides.resolve())
    (ROOT / "benchmarks" / "playground.json").write_text(json.dumps(results, indent=2) + "\n")
    print("| net | frames/s while training | frame gap: 95 % under · longest | steps to settle | steps/s "
          "| accuracy ≥ 0.95 after |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        reached = f"{r['to_95_ms'] / 1000:.2f} s" if r["to_95_ms"] is not None else "never"
        print(f"| {name} | {r['fps']:.0f} | {r['p95_gap_ms']:.0f} ms · {r['worst_gap_ms']:.0f} ms | {r['steps']} "
              f"| {r['steps'] / r['seconds']:.0f} "
              f"| {reached} |")


if __name__ == "__main__":
    main()
