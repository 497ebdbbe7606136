# cdf.gp — latency distributions of an experiment's scenarios, overlaid.
#
# Each curve is one scenario (its replications — runs that differ only in
# the seed — together), drawn from the stored latency histograms (table
# `hist`, whole run after warm-up, <= 0.4 % relative error): at every 0.02
# "nines" the mean over the seeds of each seed's quantile; the shaded band
# around it is the 95 % Student-t confidence interval of that mean (only
# with >= 2 seeds).  p50, p99 and p99.9 are marked on every curve.  The y
# axis is the quantile on a "nines" scale (-log10(1 - q): 50 %, 90 %, 99 %,
# 99.9 % ...) so the tail, where outages live, gets the room; a curve ends
# where its requests stop resolving the tail (log10 of the request count).
# The x axis is latency in ms on a log scale.  A curve further right is
# slower.  A scenario stored without histograms (an older database) is drawn
# through its quantile metrics (p50, p90, p99, p99.9; max at `maxnines`).
#
# Colours: one per variant (plots/palette.gp var_colour, in order of first
# appearance), a dash type per scenario of that variant.
#
# Written by `cachestorm plot --kind cdf`.  Inputs:
#   datafile  one block per scenario (blocks separated by two blank lines),
#             first line the quoted label, then:
#             latency_ms quantile nines ci_lo_ms ci_hi_ms runs
#   bandfile  one closed polygon (latency_ms nines) per scenario with a band
#   markfile  block latency_ms nines "label" (p50, p99, p99.9 per curve)
#   ncurves, nbands, colours / dashes (one word per curve), bandcolours (one
#   word per band), top (highest nines drawn), maxnines, from_metrics,
#   title, fmt (png|svg), outfile
if (!exists("palette")) palette = 'palette.gp'
load palette
if (!exists("datafile")) datafile = 'cdf.dat'
if (!exists("bandfile")) bandfile = 'cdf-band.dat'
if (!exists("markfile")) markfile = 'cdf-marks.dat'
if (!exists("fmt"))      fmt = 'png'
if (!exists("outfile"))  outfile = 'cdf.'.fmt
if (!exists("title"))    title = 'latency distribution'
if (!exists("maxnines")) maxnines = 3.5
if (!exists("ncurves"))  stats datafile nooutput; ncurves = STATS_blocks
if (!exists("nbands"))   nbands = 0
if (!exists("colours"))  colours = ''
if (!exists("dashes"))   dashes = ''
if (!exists("bandcolours")) bandcolours = ''
if (!exists("top"))      top = maxnines
if (!exists("from_metrics")) from_metrics = 0

if (fmt eq 'svg') {
    set terminal svg size 1000,620 dynamic font 'DejaVu Sans,11' noenhanced background '#ffffff'
} else {
    set terminal pngcairo size 1000,620 font 'DejaVu Sans,10' noenhanced background '#ffffff'
}
set output outfile
set datafile missing NaN
set title title font ',13'
set logscale x
set xlabel 'request latency (ms, log scale)'
set ylabel 'share of requests at or below (quantile, nines scale)'
ymax = (from_metrics > 0 && maxnines > top ? maxnines : top) + 0.25
set yrange [0:ymax]
set ytics ('0%%' 0, '50%%' log10(2), '90%%' 1, '99%%' 2, '99.9%%' 3, '99.99%%' 4, '99.999%%' 5, \
           '99.9999%%' 6)
if (from_metrics > 0) set ytics add ('max (metrics)' maxnines)
set grid xtics mxtics ytics lc rgb c_grid
set border lc rgb c_border
set tics nomirror
set rmargin at screen 0.70
# The region right of and below every CDF curve is empty: the key goes
# outside, on the right, so it can never cover a curve.
set key at screen 0.72, graph 1 left top Left reverse samplen 3 spacing 1.15 box lc rgb '#cccccc' font ',9'
colour(i) = words(colours) >= i ? int(word(colours, i)) : (i - 1) % 8 + 1
dash(i)   = words(dashes) >= i ? int(word(dashes, i)) : 1
bandc(j)  = words(bandcolours) >= j ? int(word(bandcolours, j)) : 1
# A request can take 0 ns in the model (an L1 hit costs no simulated time):
# latencies below the axis floor are drawn at it (labelled "<= 0.001").
xfloor = 0.001
fl(x) = x < xfloor ? xfloor : x
set xrange [xfloor:*]
set xtics add ('<= 0.001' xfloor)
# Curves that coincide would hide each other: the first is drawn widest and
# each later one narrower on top of it, so an identical pair shows as a line
# inside a halo of the other colour.
lwid(i) = (ncurves > 1 ? 1.4 + 2.2 * (ncurves - i) / (ncurves - 1.0) : 2)
do for [i = 1:ncurves] {
    set linetype i lc rgb var_colour[colour(i)] dt dash(i) lw lwid(i) pt 7 ps 0.9
}
set style fill transparent solid 0.18 noborder
set label 1 'marked: p50, p99, p99.9 of each curve' at screen 0.72, screen 0.04 left \
    tc rgb c_note font ',8'
if (nbands > 0) set label 2 'shaded: 95 % CI of the mean over the seeds' at screen 0.72, \
    screen 0.075 left tc rgb c_note font ',8'
# The marks' values are written next to them while they stay readable.
if (ncurves <= 4) {
    plot for [j = 1:nbands] bandfile index (j - 1) using (fl($1)):2 with filledcurves closed \
             fc rgb var_colour[bandc(j)] notitle, \
         for [i = 0:ncurves - 1] datafile index i using (fl($1)):3 with lines lt (i + 1) \
             title columnheader(1), \
         markfile using (fl($2)):3:($1 + 1) with points pt 7 ps 1.1 lc variable notitle, \
         markfile using (fl($2)):3:4 with labels left offset 0.6,0.45 font ',8' tc rgb c_note notitle
} else {
    plot for [j = 1:nbands] bandfile index (j - 1) using (fl($1)):2 with filledcurves closed \
             fc rgb var_colour[bandc(j)] notitle, \
         for [i = 0:ncurves - 1] datafile index i using (fl($1)):3 with lines lt (i + 1) \
             title columnheader(1), \
         markfile using (fl($2)):3:($1 + 1) with points pt 7 ps 1.1 lc variable notitle
}
