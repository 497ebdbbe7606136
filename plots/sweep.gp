# sweep.gp — a metric over swept parameters.
#   mode 1  one parameter: the mean metric over the parameter, one line per
#           variant, error bars = 95 % confidence interval of the mean
#           (Student t) where several runs (replications) share a value; one
#           panel per metric.  A non-numeric parameter is drawn by category.
#   mode 2  two parameters: a heatmap of the mean metric (first parameter
#           across, second up), the value written in each cell in plain
#           units; a combination without runs is a hatched grey cell marked
#           "no data"; one panel per variant.
#   Without variants (one block per metric) there is no legend: its one
#   entry would name nothing.
#
# Written by `cachestorm plot --kind sweep`.  Inputs:
#   mode 1: datafile  blocks (metric * nvar + variant), first line the quoted
#                     variant, then: x mean lo hi n "xlabel"
#           numeric (x is the value, else a category index), xlabel, nmet,
#           ylabel_K (axis label of metric K), nvar
#   mode 2: datafile  one block per variant (first line the quoted variant),
#                     a row for every combination:
#                     xi yi mean n "xvalue" "yvalue" "value"
#                     (value: the mean as cs_fmt_human writes it, 150,312;
#                     mean NaN, n 0 and value "no data" without runs)
#           xlabel, ylabel, zlabel, nvar, vname_K (variant K's name)
#   title, fmt (png|svg), outfile
if (!exists("palette")) palette = 'palette.gp'
load palette   # colours: plots/palette.gp (runs and variants: var_colour[1..8])
if (!exists("datafile")) datafile = 'sweep.dat'
if (!exists("fmt"))      fmt = 'png'
if (!exists("outfile"))  outfile = 'sweep.'.fmt
if (!exists("title"))    title = 'sweep'
if (!exists("mode"))     mode = 1
if (!exists("nvar"))     nvar = 1
if (!exists("nmet"))     nmet = 1
if (!exists("numeric"))  numeric = 1
if (!exists("xlabel"))   xlabel = 'parameter'
if (!exists("ylabel_0")) ylabel_0 = 'metric'

if (mode == 1) { W = 1000; H = 120 + 330 * nmet } else { W = (nvar > 1 ? 600 * nvar : 900); H = 700 }
if (fmt eq 'svg') {
    set terminal svg size W,H dynamic font 'DejaVu Sans,11' noenhanced background '#ffffff'
} else {
    set terminal pngcairo size W,H font 'DejaVu Sans,10' noenhanced background '#ffffff'
}
set output outfile
set datafile missing NaN
set border lc rgb c_border
set tics nomirror
set grid xtics ytics lc rgb c_grid
set linetype 1 lc rgb var_colour[1] lw 2 pt 7 ps 1
set linetype 2 lc rgb var_colour[2] lw 2 pt 5 ps 1
set linetype 3 lc rgb var_colour[3] lw 2 pt 9 ps 1.2
set linetype 4 lc rgb var_colour[4] lw 2 pt 11 ps 1.2
set linetype 5 lc rgb var_colour[5] lw 2 pt 13 ps 1.2
set linetype 6 lc rgb var_colour[6] lw 2 pt 7 ps 1
set linetype cycle 6

if (mode == 1) {
    set lmargin at screen 0.09
    set rmargin at screen 0.80
    set key at screen 0.82, graph 1 left top Left reverse samplen 2 box lc rgb c_grid
    if (nvar == 1) { unset key; set rmargin at screen 0.95 }
    set offsets graph 0.04, graph 0.04, graph 0.08, 0
    set multiplot layout nmet, 1 title title font ',13'
    set yrange [0:*]   # counts, latencies and shares: from 0, so a change reads at its size
    # (a CI reaching below 0 is drawn from 0: the lower end would be outside
    # the range and keep the point out of the autoscale)
    do for [m = 0:nmet - 1] {
        set ylabel value(sprintf('ylabel_%d', m))
        if (m == nmet - 1) { set xlabel xlabel } else { unset xlabel }
        if (numeric) {
            plot for [v = 0:nvar - 1] datafile index (m * nvar + v) using 1:2:($3 < 0 ? 0 : $3):4 \
                 with yerrorlines lt (v + 1) title columnheader(1)
        } else {
            plot for [v = 0:nvar - 1] datafile index (m * nvar + v) using 1:2:($3 < 0 ? 0 : $3):4:xtic(6) \
                 with yerrorlines lt (v + 1) title columnheader(1)
        }
    }
    unset multiplot
} else {
    # sequential (light = low, dark red = high), readable in grey too
    set palette defined (0 '#ffffcc', 0.25 '#fed976', 0.5 '#fd8d3c', 0.75 '#e31a1c', 1 '#800026')
    set style fill solid 1.0 noborder
    set style textbox opaque fc rgb '#ffffff' noborder margins 3,1
    set grid noxtics noytics
    set xlabel xlabel
    set ylabel ylabel
    set cblabel zlabel
    set tics scale 0
    set key off
    set multiplot layout 1, nvar title title font ',13'
    do for [v = 0:nvar - 1] {
        if (nvar > 1 && exists(sprintf('vname_%d', v))) { set title value(sprintf('vname_%d', v)) font ',11' }
        plot datafile index v using 1:2:(0.5):(0.5):3:xtic(5):ytic(6) with boxxyerror fc palette notitle, \
             '' index v using 1:($4 == 0 ? $2 : NaN):(0.5):(0.5):xtic(5):ytic(6) with boxxyerror fs pattern 4 border lc rgb c_grid fc rgb c_note notitle, \
             '' index v using 1:2:7 with labels boxed font ',10' tc rgb c_border notitle
    }
    unset multiplot
}
