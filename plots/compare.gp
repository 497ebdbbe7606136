# compare.gp — variants side by side, one panel per metric.
# Bars are the mean over the runs of each variant (runs.variant; the runs
# themselves when there are no variants); error bars are the 95 % confidence
# interval of the mean (Student t) when a variant has replications.  The
# number above each bar is the mean.
#
# Written by `cachestorm plot --kind compare`.  Inputs:
#   datafile  one block per metric (first line its quoted name), then per
#             group: i mean lo hi n "label"
#   show      the block numbers to draw, e.g. '0 1 3' (metrics with data)
#   ylabel_K  axis label with units of block K; ngroups, title, fmt, outfile
if (!exists("palette")) palette = 'palette.gp'
load palette   # colours: plots/palette.gp (runs and variants: var_colour[1..8])
if (!exists("datafile")) datafile = 'compare.dat'
if (!exists("fmt"))      fmt = 'png'
if (!exists("outfile"))  outfile = 'compare.'.fmt
if (!exists("title"))    title = 'compare'
if (!exists("show"))     show = '0'
if (!exists("ngroups"))  ngroups = 2

# a mean in plain numbers: 219800, 2540, 23.1 (never 2.198e+05)
plain(x) = (x != x ? '' : abs(x) >= 100 ? sprintf('%.0f', x) : sprintf('%.3g', x))
npan = words(show)
ncol = (npan <= 2 ? npan : 2)
nrow = int((npan + ncol - 1) / ncol)
W = (ngroups > 6 ? 1000 + 60 * (ngroups - 6) : 1000)
H = 140 + 360 * nrow
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
bm = 95.0
if (ngroups <= (ncol == 1 ? 6 : 2)) { set xtics norotate center; bm = 60.0 }
set xrange [-0.6:ngroups - 0.4]
set key off
set offsets 0, 0, graph 0.12, 0
set linetype 1 lc rgb var_colour[1]
set linetype 2 lc rgb var_colour[2]
set linetype 3 lc rgb var_colour[3]
set linetype 4 lc rgb var_colour[4]
set linetype 5 lc rgb var_colour[5]
set linetype 6 lc rgb var_colour[6]
set linetype cycle 6
set multiplot layout nrow, ncol title title font ',13' margins 0.10, 0.97, bm / H, 1 - 80.0 / H spacing 0.11, (bm + 50) / H
do for [w = 1:npan] {
    k = int(word(show, w))
    set ylabel value(sprintf('ylabel_%d', k))
    set title value(sprintf('mname_%d', k)) font ',11'
    set yrange [0:*]
    plot datafile index k using 1:2:(0.6):(int($1) % 6 + 1):xtic(6) with boxes lc variable notitle, \
         '' index k using 1:2:3:4 with yerrorbars lc rgb '#222222' pt 7 ps 0.4 lw 1.2 notitle, \
         '' index k using 1:4:(plain($2)) with labels offset 0,0.9 font ',9' notitle
}
unset multiplot
