# nodes.gp — one run, node by node: are some nodes worse off than others?
#   top     failed and timed-out requests per node (count, after warm-up)
#   bottom  p50 and p99 latency per node (ms, log scale)
# Values are the per-node metrics (metrics rows with node set):
# requests.error, requests.timeout, latency.p50_ms, latency.p99_ms.
#
# Written by `cachestorm plot --kind nodes`.  Inputs:
#   datafile  node errors timeouts p50_ms p99_ms total "node N"  (NaN = missing)
#   nnodes, title, fmt (png|svg), outfile
if (!exists("datafile")) datafile = 'nodes.dat'
if (!exists("fmt"))      fmt = 'png'
if (!exists("outfile"))  outfile = 'nodes.'.fmt
if (!exists("title"))    title = 'per node'
if (!exists("nnodes"))   stats datafile using 1 nooutput; nnodes = STATS_records

W = (nnodes > 12 ? 1000 + 40 * (nnodes - 12) : 1000)
if (fmt eq 'svg') {
    set terminal svg size W,760 dynamic font 'DejaVu Sans,11' noenhanced background '#ffffff'
} else {
    set terminal pngcairo size W,760 font 'DejaVu Sans,10' noenhanced background '#ffffff'
}
set output outfile
set datafile missing NaN
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border rgb '#404040'
set boxwidth 0.9
set grid ytics lc rgb '#e0e0e0'
set border lc rgb '#404040'
set tics nomirror
set xtics scale 0
set xrange [-0.6:nnodes - 0.4]
set lmargin at screen 0.09
set rmargin at screen 0.82
set key at screen 0.84, graph 1 left top Left reverse samplen 2 box lc rgb '#cccccc'

set multiplot title title font ',13'
set tmargin at screen 0.90
set bmargin at screen 0.55
set ylabel 'requests (count)'
set yrange [0:*]
set format x ''
plot datafile using 2:xtic(7) lc rgb '#d62728' title 'failed', \
     '' using 3 lc rgb '#ff7f0e' title 'timed out'

set tmargin at screen 0.47
set bmargin at screen 0.10
set ylabel 'latency (ms, log scale)'
set logscale y
set yrange [*:*]
set format x '%g'
set xlabel 'node'
plot datafile using 4:xtic(7) lc rgb '#2ca02c' title 'p50', \
     '' using 5 lc rgb '#9467bd' title 'p99'
unset multiplot
