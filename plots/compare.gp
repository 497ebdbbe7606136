# compare.gp — scenarios side by side, one panel per metric.
# A group is a scenario: a variant (at one sweep point), or a run name when
# there are no variants; its runs are replications (seeds).  A bar is the
# mean over a group's runs with the 95 % confidence interval of the mean
# (Student t) as an error bar; a group of ONE run is drawn as a dot, not a
# bar, labelled "(n=1)": one run has no interval.  The number above is the
# mean in plain units ("± half" with n >= 2).  BETTER / WORSE above a group
# is the verdict of `cachestorm compare` (sim/report/verdict.c) against its
# baseline (the first variant at the same sweep point), which knows which
# way is good for the metric.  Panels of a metric that is 0 in every run are
# left out and named in the note at the bottom.
#
# Written by `cachestorm plot --kind compare`.  Inputs:
#   datafile  one block per metric (first line its quoted name), then per
#             group: i mean lo hi n "label" "value" "verdict" colour
#             (colour: the variant's index, so a variant keeps its colour)
#   show      the block numbers to draw, e.g. '0 1 3' (metrics with data)
#   ylabel_K, mname_K  axis label with units, and name, of block K
#   zero      metrics left out because they are 0 throughout ('' if none)
#   ngroups, title, fmt, outfile
if (!exists("palette")) palette = 'palette.gp'
load palette   # colours: plots/palette.gp (runs and variants: var_colour[1..8])
if (!exists("datafile")) datafile = 'compare.dat'
if (!exists("fmt"))      fmt = 'png'
if (!exists("outfile"))  outfile = 'compare.'.fmt
if (!exists("title"))    title = 'compare'
if (!exists("show"))     show = '0'
if (!exists("zero"))     zero = ''
if (!exists("ngroups"))  ngroups = 2

npan = words(show)
ncol = (npan <= 2 ? npan : 2)
nrow = int((npan + ncol - 1) / ncol)
W = (ngroups > 6 ? 1000 + 60 * (ngroups - 6) : 1000)
H = 160 + 380 * nrow
if (fmt eq 'svg') {
    set terminal svg size W,H dynamic font 'DejaVu Sans,11' noenhanced background '#ffffff'
} else {
    set terminal pngcairo size W,H font 'DejaVu Sans,10' noenhanced background '#ffffff'
}
set output outfile
set datafile missing NaN
set style fill solid 0.8 border rgb c_border
set grid ytics lc rgb c_grid
set border lc rgb c_border
set tics nomirror
set xtics scale 0 rotate by 20 right font ',9'
bm = 120.0
lm = 0.15
# labels upright when they fit side by side (about 7 px a character at 9 pt)
stats datafile index int(word(show, 1)) every ::1 using (strlen(strcol(6))) nooutput
if (ngroups * STATS_max * 7.0 <= 0.75 * W / ncol) { set xtics norotate center; bm = 60.0; lm = 0.10 }
set xrange [-0.6:ngroups - 0.4]
set key off
set offsets 0, 0, graph 0.22, 0
set linetype 1 lc rgb var_colour[1]
set linetype 2 lc rgb var_colour[2]
set linetype 3 lc rgb var_colour[3]
set linetype 4 lc rgb var_colour[4]
set linetype 5 lc rgb var_colour[5]
set linetype 6 lc rgb var_colour[6]
set linetype cycle 6
if (strlen(zero) > 0) {
    set label 100 '0 in every run (no panel): '.zero at screen 0.02, screen 12.0 / H left font ',9' tc rgb c_note
}
top(lo, hi, m) = (hi == hi ? hi : m)
set multiplot layout nrow, ncol title title font ',13' margins lm, 0.97, (bm + 10) / H, 1 - 80.0 / H spacing 0.11, (bm + 50) / H
do for [w = 1:npan] {
    k = int(word(show, w))
    set ylabel value(sprintf('ylabel_%d', k))
    set title value(sprintf('mname_%d', k)) font ',11'
    set yrange [0:*]
    plot datafile index k using 1:(0):('') with labels notitle, \
         '' index k using 1:($5 >= 2 ? $2 : NaN):(0.6):(int($9) % 6 + 1):xtic(6) with boxes lc variable notitle, \
         '' index k using 1:($5 >= 2 ? $2 : NaN):($3 < 0 ? 0 : $3):4 with yerrorbars lc rgb c_border pt 7 ps 0.4 lw 1.2 notitle, \
         '' index k using 1:($5 == 1 ? $2 : NaN):(int($9) % 6 + 1) with points pt 7 ps 1.6 lc variable notitle, \
         '' index k using 1:(top($3, $4, $2)):7 with labels offset 0,0.9 font ',9' notitle, \
         '' index k using 1:(top($3, $4, $2)):(strcol(8) eq 'WORSE' ? 'WORSE' : '') with labels offset 0,2.1 font ',9:Bold' tc rgb c_errors notitle, \
         '' index k using 1:(top($3, $4, $2)):(strcol(8) eq 'BETTER' ? 'BETTER' : '') with labels offset 0,2.1 font ',9:Bold' tc rgb c_p50 notitle, \
         '' index k using 1:(top($3, $4, $2)):(strcol(8) eq 'baseline' ? 'baseline' : '') with labels offset 0,2.1 font ',8' tc rgb c_note notitle
}
unset multiplot
