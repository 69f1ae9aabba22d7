#!/usr/bin/env python3
"""Makes DejaVuSans-subset.ttf, the font actfn's charts draw their text with.

From Debian's fonts-dejavu-core DejaVuSans.ttf (licence: DejaVuSans-LICENSE.txt):
1. keep Latin, Latin-1, Greek, punctuation, super/subscripts, arrows and math
   operators; drop hinting (ab_glyph does not hint);
2. give every glyph the same left side bearing (the median one), keeping its right side
   bearing: plotters' ab_glyph text renderer (0.3.7) draws a glyph's ink at the pen
   position, ignoring its left side bearing, so glyphs with a wide bearing (l, i, 1)
   sat too far left. With one common bearing, that renderer spaces text as designed.

Needs fontTools (`pip install fonttools`):
    python3 make_font.py /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf DejaVuSans-subset.ttf
"""

import statistics
import sys

from fontTools import subset
from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

UNICODES = "U+0020-007E,U+00A0-00FF,U+0370-03FF,U+2010-2044,U+2070-209F,U+2190-2193,U+2200-22FF"


def main(src, dst):
    options = subset.Options()
    options.hinting = False
    options.layout_features = ["kern"]
    options.drop_tables += ["MATH", "FFTM"]
    font = subset.load_font(src, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=subset.parse_unicodes(UNICODES))
    subsetter.subset(font)

    glyf, hmtx = font["glyf"], font["hmtx"]
    glyph_set = font.getGlyphSet()
    # Decompose composite glyphs, so that each can be moved on its own.
    for name in font.getGlyphOrder():
        if glyf[name].isComposite():
            rec = DecomposingRecordingPen(glyph_set)
            glyph_set[name].draw(rec)
            pen = TTGlyphPen(None)
            rec.replay(pen)
            glyf[name] = pen.glyph()
    inked = [n for n in font.getGlyphOrder() if glyf[n].numberOfContours > 0]
    for n in inked:
        glyf[n].recalcBounds(glyf)
    common = round(statistics.median(glyf[n].xMin for n in inked))
    for n in inked:
        g = glyf[n]
        advance, _ = hmtx[n]
        shift = common - g.xMin
        g.coordinates.translate((shift, 0))
        g.recalcBounds(glyf)
        hmtx[n] = (advance + shift, g.xMin)
    font["head"].recalcBBoxes = True
    font.save(dst)


if __name__ == "__main__":
    main(*sys.argv[1:3])
