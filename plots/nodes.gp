# nodes.gp — one run, node by node: are some nodes worse off than others?
#   top     failed requests per node, as a share of the node's requests (%,
#           linear from 0; counts when the total is not stored).  Timed-out
#           requests are a subset of the failed: each bar is one stack,
#           timed out (orange, bottom) + failed for another reason (red, top);
#           the label above gives the counts.
#   bottom  p50 and p99 latency per node (ms, linear from 0), the value
#           written above each bar (a 0 ms p50 is an L1 hit, not a missing bar)
# Values are the per-node metrics (metrics rows with node set):
# requests.error, requests.timeout, latency.p50_ms, latency.p99_ms,
# requests.total.  A series no node has is neither drawn nor in the key.
# Colours: plots/palette.gp.
#
# Written by `cachestorm plot --kind nodes`.  Inputs:
#   datafile  node errors timeouts p50_ms p99_ms total "node N"  (NaN = missing)
#   nnodes, has_err, has_to, has_p50, has_p99, has_total (0/1), title,
#   fmt (png|svg), outfile, palette
if (!exists("palette"))  palette = 'palette.gp'
load palette
if (!exists("datafile")) datafile = 'nodes.dat'
if (!exists("fmt"))      fmt = 'png'
if (!exists("outfile"))  outfile = 'nodes.'.fmt
if (!exists("title"))    title = 'per node'
if (!exists("nnodes"))   stats datafile using 1 nooutput; nnodes = STATS_records
if (!exists("has_err"))  has_err = 1; has_to = 1; has_p50 = 1; has_p99 = 1; has_total = 1

W = (nnodes > 12 ? 1000 + 40 * (nnodes - 12) : 1000)
if (fmt eq 'svg') {
    set terminal svg size W,760 dynamic font 'DejaVu Sans,11' noenhanced background '#ffffff'
} else {
    set terminal pngcairo size W,760 font 'DejaVu Sans,10' noenhanced background '#ffffff'
}
set output outfile
set datafile missing NaN
set style fill solid 0.85 border rgb c_border
set grid ytics lc rgb c_grid
set border lc rgb c_border
set tics nomirror
set xtics scale 0
set xrange [-0.6:nnodes - 0.4]
set lmargin at screen 0.09
set rmargin at screen 0.76
set key at screen 0.775, graph 1 left top Left reverse samplen 2 box lc rgb '#cccccc' font ',9'
lfont = (nnodes > 8 ? ',7' : ',9')

# The y value of a count: its share of the node's requests, or the count.
share(c, tot) = (has_total && tot == tot && tot > 0 ? 100.0 * c / tot : c)
num(x) = (x == x ? x : 0)
# A latency in plain numbers: 10000, 23.1, 0.486 (no 1e+04)
ms(x) = (x != x ? '' : x >= 100 ? sprintf('%.0f', x) : sprintf('%.3g', x))
other = 0; anyfail = 0
if (has_err && has_to) { stats datafile using (num($2) - num($3)) nooutput; other = (STATS_max > 0) }
if (has_err || has_to) { stats datafile using (num($2) + num($3)) nooutput; anyfail = (STATS_max > 0) }

set multiplot title title font ',13'
set tmargin at screen 0.90
set bmargin at screen 0.55
set ylabel (has_total ? 'failed (% of the node''s requests)' : 'failed requests (count)')
set yrange [0:*]
set offsets 0, 0, graph 0.12, 0
set format x ''
set boxwidth 0.6
if (has_err || has_to) {
    cmd = 'plot '
    if (has_err) {
        cmd = cmd . "datafile using 0:(share(num($2), $6)):xtic(7) with boxes fc rgb c_errors ".(!anyfail ? "notitle" : has_to ? (other ? "title 'failed, not timed out'" : "notitle") : "title 'failed'").","
    }
    if (has_to) {
        cmd = cmd . "datafile using 0:(share(num($3), $6)):xtic(7) with boxes fc rgb c_timeouts ".(anyfail ? "title 'timed out'" : "notitle").","
    }
    top_of = (has_err ? 2 : 3)
    cmd = cmd . sprintf("datafile using 0:(share(num($%d), $6)):(sprintf('%%d failed, %%d timed out', num($2), num($3))) with labels offset 0,0.7 font lfont notitle", top_of)
    if (!anyfail) {
        set label 5 "no request failed" at screen 0.78, graph 0.95 left font ',9' tc rgb c_note
    }
    if (has_err && has_to && anyfail) {
        set label 5 (other ? "timed out is a subset of failed:\nbar = all failed" : "every failure was\na timeout") at screen 0.78, graph 0.72 left font ',9' tc rgb c_note
    }
    eval(cmd)
    unset label 5
} else {
    set label 1 'no per-node failure counts stored' at graph 0.5, graph 0.5 center
    plot NaN notitle
    unset label 1
}

set tmargin at screen 0.47
set bmargin at screen 0.10
set ylabel 'latency (ms)'
set yrange [0:*]
set format x '%g'
set boxwidth 0.34
bw = (has_p50 && has_p99 ? 0.18 : 0)
if (has_p50 || has_p99) {
    cmd = "plot datafile using 0:(NaN):xtic(7) with points notitle, "
    if (has_p50) {
        cmd = cmd . "datafile using ($0 - bw):4 with boxes fc rgb c_p50 title 'p50', " . \
                    "'' using ($0 - bw):4:(ms($4)) with labels offset 0,0.7 font lfont notitle,"
    }
    if (has_p99) {
        cmd = cmd . "datafile using ($0 + bw):5 with boxes fc rgb c_p99 title 'p99', " . \
                    "'' using ($0 + bw):5:(ms($5)) with labels offset 0,0.7 font lfont notitle,"
    }
    eval(cmd[1:strlen(cmd) - 1])
} else {
    set label 1 'no per-node latency stored' at graph 0.5, graph 0.5 center
    plot NaN notitle
    unset label 1
}
unset multiplot
