# cdf.gp — latency distributions of several runs, overlaid.
#
# Histograms are not stored, so each curve is drawn through the run's latency
# quantile metrics (latency.p50_ms, p90, p99, p999 and max_ms, whole run after
# warm-up): the points of its empirical CDF at those quantiles.  The y axis is
# the quantile on a "nines" scale (-log10(1 - q): 50 %, 90 %, 99 %, 99.9 %,
# then max on top) so the tail, where outages live, gets the room; the x axis
# is latency in ms on a log scale.  A curve further right is slower.
#
# Written by `cachestorm plot --kind cdf`.  Inputs:
#   datafile  one block per run (blocks separated by two blank lines), first
#             line the quoted run label, then: latency_ms quantile nines
#   ncurves, maxnines, title, fmt (png|svg), outfile
if (!exists("palette")) palette = 'palette.gp'
load palette   # colours: plots/palette.gp (runs and variants: var_colour[1..8])
if (!exists("datafile")) datafile = 'cdf.dat'
if (!exists("fmt"))      fmt = 'png'
if (!exists("outfile"))  outfile = 'cdf.'.fmt
if (!exists("title"))    title = 'latency distribution'
if (!exists("maxnines")) maxnines = 3.5
if (!exists("ncurves"))  stats datafile nooutput; ncurves = STATS_blocks

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
set ylabel 'fraction of requests at or below (quantile)'
set yrange [0:maxnines + 0.25]
set ytics ('50%%' log10(2), '90%%' 1, '99%%' 2, '99.9%%' 3, 'max' maxnines)
set grid xtics mxtics ytics lc rgb c_grid
set border lc rgb c_border
set tics nomirror
set rmargin at screen 0.72
# The region right of and below every CDF curve is empty: the key goes
# outside, on the right, so it can never cover a curve.
set key at screen 0.74, graph 1 left top Left reverse samplen 2 spacing 1.15 box lc rgb '#cccccc' font ',9'
set linetype 1 lc rgb var_colour[1] lw 2 pt 7 ps 0.8
set linetype 2 lc rgb var_colour[2] lw 2 pt 5 ps 0.8
set linetype 3 lc rgb var_colour[3] lw 2 pt 9 ps 0.9
set linetype 4 lc rgb var_colour[4] lw 2 pt 11 ps 0.9
set linetype 5 lc rgb var_colour[5] lw 2 pt 13 ps 0.9
set linetype 6 lc rgb var_colour[6] lw 2 pt 7 ps 0.8
set linetype 7 lc rgb var_colour[7] lw 2 pt 5 ps 0.8
set linetype 8 lc rgb var_colour[8] lw 2 pt 9 ps 0.9
set linetype cycle 8
plot for [i = 0:ncurves - 1] datafile index i using 1:3 with linespoints lt (i + 1) title columnheader(1)
