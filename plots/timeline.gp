# timeline.gp — one run over simulated time, stacked panels sharing the x axis:
#   traffic   requests/s (left axis) and errors/s (right axis)
#   latency   p50 and p99 latency, log scale (ms); 0 ms (an L1 hit) drawn at 1 us
#   cache     L1 hit ratio and stale ratio (%)
#   database  database calls/s
#   queues    Redis backlog (commands, left) and worker-pool queue (requests, right)
#   events    fault windows (labelled) and breaker-open bands, one row per breaker
# Fault windows are also shaded across every panel.  A panel whose series the
# run did not record is left out and named at the bottom.
#
# Written by `cachestorm plot --kind timeline`, which sets the variables below
# with gnuplot -e; to redraw by hand: cachestorm plot DB --keep-data, then the
# printed gnuplot command.  Inputs (whitespace separated, NaN = missing):
#   datafile     t_s rps errors_per_s latency.p50_ms latency.p99_ms
#                l1.hit_ratio stale_ratio db.rps redis.backlog pool.queue
#                (t_s = bucket start, seconds; errors = bucket count / bucket width)
#   faultfile    start_s end_s row "kind"
#   breakerfile  start_s end_s row "label"   (row = which breaker)
#   has_rps ... has_poolq (0/1), nfaults, nbreakers, brows, tend (s),
#   notrec (names of missing series), title, fmt (png|svg), outfile
if (!exists("datafile"))    datafile = 'timeline.dat'
if (!exists("faultfile"))   faultfile = 'timeline-faults.dat'
if (!exists("breakerfile")) breakerfile = 'timeline-breakers.dat'
if (!exists("fmt"))         fmt = 'png'
if (!exists("outfile"))     outfile = 'timeline.'.fmt
if (!exists("title"))       title = 'timeline'
if (!exists("notrec"))      notrec = ''
if (!exists("has_rps"))     has_rps = 1; has_errors = 1; has_p50 = 1; has_p99 = 1; has_l1 = 1; has_stale = 1; has_db = 1; has_backlog = 1; has_poolq = 1
if (!exists("nfaults"))     nfaults = 0
if (!exists("nbreakers"))   nbreakers = 0
if (!exists("brows"))       brows = 0
if (!exists("tend"))        stats datafile using 1 nooutput; tend = STATS_max

p_traffic = (has_rps || has_errors)
p_latency = (has_p50 || has_p99)
p_cache   = (has_l1 || has_stale)
p_db      = has_db
p_queues  = (has_backlog || has_poolq)
np = p_traffic + p_latency + p_cache + p_db + p_queues
erows = (nbreakers > 0 ? brows : 0) + (nfaults > 0 ? 1 : 0)
strip = (erows > 0)

# Long runs read better in minutes.
notrec_text = 'not recorded in this run: '.notrec
xdiv = (tend > 900 ? 60.0 : 1.0)
xunit = (xdiv > 1 ? 'min' : 's')

W = 1000
panel_px = 140
strip_px = (strip ? 34 + 22 * erows : 0)
H = 90 + 75 + panel_px * (np > 0 ? np : 1) + strip_px
if (fmt eq 'svg') {
    set terminal svg size W,H dynamic font 'DejaVu Sans,11' noenhanced background '#ffffff'
} else {
    set terminal pngcairo size W,H font 'DejaVu Sans,10' noenhanced background '#ffffff'
}
set output outfile
set datafile missing NaN

# Panel geometry in screen coordinates, top to bottom.
top = 1.0 - 50.0 / H
bottom = 70.0 / H
L = 0.085; R = 0.79
gap = 14.0 / H   # between panels, so tick labels of neighbours do not touch
unit_h = (top - bottom) / ((np > 0 ? np : 1) * panel_px + strip_px)
set lmargin at screen L
set rmargin at screen R
set key at screen R + 0.062, graph 1 left top Left reverse samplen 2 spacing 1.2 box lc rgb '#cccccc'
set grid xtics ytics lc rgb '#e0e0e0' lw 1 dt 1
set xrange [0:tend / xdiv]
set border lc rgb '#404040'
set tics nomirror
set ytics out
set mxtics 2

set style line 1 lc rgb '#1f77b4' lw 1.5
set style line 2 lc rgb '#d62728' lw 1.5
set style line 3 lc rgb '#2ca02c' lw 1.5
set style line 4 lc rgb '#9467bd' lw 1.5
set style line 5 lc rgb '#17becf' lw 1.5
set style line 6 lc rgb '#ff7f0e' lw 1.5
set style line 7 lc rgb '#8c564b' lw 1.5
set style line 8 lc rgb '#e377c2' lw 1.5
set style line 9 lc rgb '#555555' lw 1.5

# Fault windows, shaded behind every panel.
do for [i = 0:nfaults - 1] {
    stats faultfile every ::i::i using 1 nooutput
    fstart = STATS_min
    stats faultfile every ::i::i using 2 nooutput
    set object (100 + i) rect from first fstart / xdiv, graph 0 to first STATS_max / xdiv, graph 1 \
        fc rgb '#f6c4c4' fs solid 0.55 noborder behind
}

set multiplot title title font ',13'
cur = top
panel = 0
# Advance to the next panel of height h (screen units); the last one carries
# the x axis labels.
last_is_strip = strip
array panels[5] = [p_traffic, p_latency, p_cache, p_db, p_queues]
remaining = np

do for [k = 1:5] {
    if (panels[k]) {
        remaining = remaining - 1
        set tmargin at screen cur
        set bmargin at screen cur - panel_px * unit_h + gap
        cur = cur - panel_px * unit_h
        if (remaining == 0 && !strip) {
            set format x '%g'
            set xlabel sprintf('simulated time (%s)', xunit)
            if (strlen(notrec) > 0) { set label 2 notrec_text at screen L, screen 0.015 font ',9' tc rgb '#777777' }
        } else {
            set format x ''
            unset xlabel
        }
        unset y2tics; unset y2label; unset logscale y
        set format y '%g'
        set autoscale y
        set autoscale y2
        set ytics out
        if (k == 1) {
            set ylabel 'requests/s'
            set yrange [0:*]
            cmd = 'plot '
            if (has_rps) { cmd = cmd . "datafile using ($1/xdiv):2 with lines ls 1 title 'requests/s'," }
            if (has_errors) {
                if (has_rps) {
                    set y2tics out; set y2label 'errors/s' tc rgb '#d62728'; set y2range [0:*]
                    set ytics nomirror
                    cmd = cmd . "datafile using ($1/xdiv):3 axes x1y2 with lines ls 2 title 'errors/s',"
                } else {
                    set ylabel 'errors/s'
                    cmd = cmd . "datafile using ($1/xdiv):3 with lines ls 2 title 'errors/s',"
                }
            }
        }
        if (k == 2) {
            set ylabel 'latency (ms; 0 at 0.001)'
            set logscale y
            set format y '10^{%L}'
            set format y '%g'
            cmd = 'plot '
            # A latency of 0 (answered from L1: no modelled time) has no place
            # on a log axis: it is drawn at 1 us and the key says so; NaN (no
            # request finished in that second) stays a gap.
            if (has_p99) { cmd = cmd . "datafile using ($1/xdiv):($5 == 0 ? 1e-3 : $5) with lines ls 4 title 'p99'," }
            if (has_p50) { cmd = cmd . "datafile using ($1/xdiv):($4 == 0 ? 1e-3 : $4) with lines ls 3 title 'p50'," }
        }
        if (k == 3) {
            set ylabel 'share (%)'
            set yrange [0:105]
            cmd = 'plot '
            if (has_l1)    { cmd = cmd . "datafile using ($1/xdiv):(100*$6) with lines ls 5 title 'L1 hit ratio'," }
            if (has_stale) { cmd = cmd . "datafile using ($1/xdiv):(100*$7) with lines ls 6 title 'stale answers'," }
        }
        if (k == 4) {
            set ylabel 'db calls/s'
            set yrange [0:*]
            cmd = "plot datafile using ($1/xdiv):8 with lines ls 7 title 'db calls/s',"
        }
        if (k == 5) {
            set yrange [0:*]
            cmd = 'plot '
            if (has_backlog) {
                set ylabel 'backlog (commands)'
                cmd = cmd . "datafile using ($1/xdiv):9 with lines ls 8 title 'Redis backlog',"
            }
            if (has_poolq) {
                if (has_backlog) {
                    set y2tics out; set y2label 'queue (requests)' tc rgb '#555555'; set y2range [0:*]
                    cmd = cmd . "datafile using ($1/xdiv):10 axes x1y2 with lines ls 9 title 'pool queue',"
                } else {
                    set ylabel 'pool queue (requests)'
                    cmd = cmd . "datafile using ($1/xdiv):10 with lines ls 9 title 'pool queue',"
                }
            }
        }
        eval(cmd[1:strlen(cmd) - 1])
        unset y2label
        unset yrange
        set yrange [*:*]
    }
}

if (np == 0) {
    set tmargin at screen cur
    set bmargin at screen cur - panel_px * unit_h + gap
    cur = cur - panel_px * unit_h
    set yrange [0:1]
    unset ytics
    unset ylabel
    set format x (strip ? '' : '%g')
    set label 1 'no time series stored for this run' at graph 0.5, graph 0.5 center
    if (!strip && strlen(notrec) > 0) { set label 2 notrec_text at screen L, screen 0.015 font ',9' tc rgb '#777777' }
    plot NaN notitle
    unset label 1
    set ytics
}

# Events strip: fault windows on the top row, one row per breaker below.
if (strip) {
    set tmargin at screen cur
    set bmargin at screen bottom
    unset logscale y; unset y2tics; unset y2label; unset ylabel
    set yrange [erows - 0.5:-0.5]
    set format x '%g'
    set xlabel sprintf('simulated time (%s)', xunit)
    set ytics out scale 0 font ',9'
    set grid noytics
    set style fill solid 0.85 noborder
    fr = (nfaults > 0 ? 1 : 0)
    if (strlen(notrec) > 0) { set label 2 notrec_text at screen L, screen 0.015 font ',9' tc rgb '#777777' }
    if (nfaults > 0 && nbreakers > 0) {
        plot faultfile using (($1+$2)/2/xdiv):(0):(($2-$1)/2/xdiv):(0.32):ytic('faults') with boxxyerror fc rgb '#d62728' title 'fault window', \
             '' using (($1+$2)/2/xdiv):(0):4 with labels font ',9' tc rgb '#ffffff' notitle, \
             breakerfile using (($1+$2)/2/xdiv):($3+fr):(($2-$1)/2/xdiv):(0.32):ytic(strcol(4)) with boxxyerror fc rgb '#ff9f40' title 'breaker open'
    }
    if (nfaults > 0 && nbreakers == 0) {
        plot faultfile using (($1+$2)/2/xdiv):(0):(($2-$1)/2/xdiv):(0.32):ytic('faults') with boxxyerror fc rgb '#d62728' title 'fault window', \
             '' using (($1+$2)/2/xdiv):(0):4 with labels font ',9' tc rgb '#ffffff' notitle
    }
    if (nfaults == 0 && nbreakers > 0) {
        plot breakerfile using (($1+$2)/2/xdiv):3:(($2-$1)/2/xdiv):(0.32):ytic(strcol(4)) with boxxyerror fc rgb '#ff9f40' title 'breaker open'
    }
}

unset multiplot
