"""The committed pictures of the screen (docs/screens, shown in the README and docs/screen.md)
are what ``hwc screenshot --all docs/screens`` makes from today's code: each one is rendered
again and compared pixel for pixel.

Why exact pixels are a fair test here: the firmware runs on the virtual clock with seeded
sensor noise, the trend history comes from the plant simulator stepped in fixed 30 s steps
(scalar ``math``, no threads), and the rendering (Blinka's displayio into hwc.fbdisplay's frame
buffer) is integer palette lookups into RGB565 with the pinned library versions of
pyproject.toml. Floating point reaches the picture only as temperatures printed to 0.1 C, so
the same code and libraries give the same pixels on any machine; a change that moves a pixel
is a change of what the user sees, and the pictures must be regenerated with it.
"""

import pathlib

import numpy as np
import pytest
from PIL import Image

from hwc.screenshot import SCENARIOS, pictures

SCREENS = pathlib.Path(__file__).resolve().parents[1] / "docs" / "screens"
REGENERATE = "./run screenshot --all docs/screens"


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_committed_pictures_are_what_the_code_draws(scenario, tmp_path):
    shots = pictures(scenario)
    committed = sorted(p.name for p in SCREENS.glob(scenario + "-*.png"))
    assert committed == sorted("%s-%s.png" % (scenario, page) for page in shots), (
        "docs/screens has other pages of %s than the screen shows: run %s and commit the result"
        % (scenario, REGENERATE))
    stale = []
    for page, image in shots.items():
        now = np.asarray(image.convert("RGB"))
        was = np.asarray(Image.open(SCREENS / ("%s-%s.png" % (scenario, page))).convert("RGB"))
        if now.shape != was.shape or not np.array_equal(now, was):
            image.save(tmp_path / ("%s-%s.png" % (scenario, page)))
            if now.shape != was.shape:
                stale.append("%s: %s, committed %s" % (page, now.shape, was.shape))
                continue
            ys, xs = np.nonzero((now != was).any(axis=2))
            stale.append("%s: %d pixels differ in x %d..%d, y %d..%d" % (
                page, len(xs), xs.min(), xs.max(), ys.min(), ys.max()))
    assert not stale, "docs/screens/%s-* is stale (%s); today's pictures are in %s. Run %s" % (
        scenario, "; ".join(stale), tmp_path, REGENERATE)


def test_every_committed_picture_belongs_to_a_scenario():
    for path in SCREENS.glob("*.png"):
        assert any(path.name.startswith(name + "-") for name in SCENARIOS), path.name
