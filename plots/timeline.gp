# timeline.gp — one run over simulated time, stacked panels sharing the x axis:
#   traffic   requests/s as a stacked area: ok (blue) + failed (red) = all
#             requests that ended in the second, on ONE axis
#   latency   p50 and p99 latency of the requests that ended in the
#             second, log scale (ms); a second in which no request ended is
#             a gap, marked x at the bottom of the panel (0 ms, an L1 hit, is
#             drawn at 1 us); dashed: the age of the oldest request still in
#             flight (at its largest in the second) — when an outage starts
#             only fast requests complete and p99 drops, while this rises
#             second by second
#   cache     L1 hit ratio and stale answers (%)
#   database  database calls/s
#   backlog   Redis backlog (commands)     } each only when not 0 throughout
#   pool      worker-pool queue (requests) }
#   events    fault windows and load peaks (each labelled in full) and one
#             row per breaker: closed / half-open / open
# Fault windows are shaded across every panel, load peaks (workload.profile
# steps above the base rate) in light blue, the warm-up in grey.  A panel
# whose series the run did not record (or that is 0 throughout) is left out
# and named at the bottom.  Colours: plots/palette.gp.
#
# Written by `cachestorm plot --kind timeline`, which sets the variables below
# with gnuplot -e; to redraw by hand: cachestorm plot DB --keep-data, then the
# printed gnuplot command.  Inputs (whitespace separated, NaN = missing):
#   datafile     t_s rps errors_per_s latency.p50_ms latency.p99_ms
#                l1.hit_ratio stale_ratio db.rps redis.backlog pool.queue
#                latency.oldest_inflight_ms
#                (t_s = bucket start, seconds; errors = bucket count / bucket
#                width; latencies NaN where rps is 0)
#   faultfile    start_s end_s row "kind"
#   loadfile     start_s end_s row "label"   (nload windows)
#   breakerfile  start_s end_s row "label" state  (row = which breaker;
#                state 0 closed, 1 half-open, 2 open)
#   has_rps ... has_poolq (0/1), nfaults, nbreakers, nsegs, brows, tend (s),
#   nhalf (half-open intervals), warmup (s), nidle, notrec (names of missing series), zero (names of
#   series 0 throughout), title, fmt (png|svg), outfile, palette
if (!exists("palette"))     palette = 'palette.gp'
load palette
if (!exists("datafile"))    datafile = 'timeline.dat'
if (!exists("faultfile"))   faultfile = 'timeline-faults.dat'
if (!exists("breakerfile")) breakerfile = 'timeline-breakers.dat'
if (!exists("fmt"))         fmt = 'png'
if (!exists("outfile"))     outfile = 'timeline.'.fmt
if (!exists("title"))       title = 'timeline'
if (!exists("notrec"))      notrec = ''
if (!exists("zero"))        zero = ''
if (!exists("has_rps"))     has_rps = 1; has_errors = 1; has_p50 = 1; has_p99 = 1; has_l1 = 1; has_stale = 1; has_db = 1; has_backlog = 1; has_poolq = 1; has_oldest = 1
if (!exists("has_oldest"))  has_oldest = 0
if (!exists("nfaults"))     nfaults = 0
if (!exists("nload"))       nload = 0
if (!exists("loadfile"))    loadfile = 'timeline-load.dat'
if (!exists("nbreakers"))   nbreakers = 0
if (!exists("nsegs"))       nsegs = nbreakers
if (!exists("nhalf"))       nhalf = 0
if (!exists("brows"))       brows = 0
if (!exists("warmup"))      warmup = 0
if (!exists("nidle"))       nidle = 0
if (!exists("tend"))        stats datafile using 1 nooutput; tend = STATS_max

p_traffic = (has_rps || has_errors)
p_latency = (has_p50 || has_p99 || has_oldest)
p_cache   = (has_l1 || has_stale)
p_db      = has_db
p_backlog = has_backlog
p_poolq   = has_poolq
np = p_traffic + p_latency + p_cache + p_db + p_backlog + p_poolq
erows = (nsegs > 0 ? brows : 0) + (nfaults > 0 ? 1 : 0) + (nload > 0 ? 1 : 0)
strip = (erows > 0)

# Latency of a bucket between two gaps is a lone point, which a line does
# not draw: short runs (<= 150 buckets) draw their latency points too.
nrec = 0
if (p_latency) { stats datafile using 1 nooutput; nrec = STATS_records }
lst = (nrec <= 150 ? 'linespoints pt 7 ps 0.4' : 'lines')

# Long runs read better in minutes.
xdiv = (tend > 900 ? 60.0 : 1.0)
xunit = (xdiv > 1 ? 'min' : 's')
note = ''
if (strlen(notrec) > 0) { note = 'not recorded in this run: '.notrec }
if (strlen(zero) > 0)   { note = note.(strlen(note) > 0 ? ';  ' : '').'0 throughout (no panel): '.zero }
if (nidle > 0 && p_latency) { note = note.(strlen(note) > 0 ? ';  ' : '').sprintf('x = no request ended in that bucket (%d), latency not defined', nidle) }

W = 1000
panel_px = 130
strip_px = (strip ? 34 + 22 * erows : 0)
H = 90 + 75 + panel_px * (np > 0 ? np : 1) + strip_px
if (fmt eq 'svg') {
    set terminal svg size W,H dynamic font 'DejaVu Sans,11' noenhanced background '#ffffff'
} else {
    set terminal pngcairo size W,H font 'DejaVu Sans,10' noenhanced background '#ffffff'
}
set output outfile
# NaN in the data is an undefined value: it breaks a line (a gap); "set
# datafile missing" would instead join the points on either side.

# Panel geometry in screen coordinates, top to bottom.
top = 1.0 - 50.0 / H
bottom = 70.0 / H
L = 0.085; R = 0.80
gap = 14.0 / H   # between panels, so tick labels of neighbours do not touch
unit_h = (top - bottom) / ((np > 0 ? np : 1) * panel_px + strip_px)
set lmargin at screen L
set rmargin at screen R
set key at screen R + 0.012, graph 1 left top Left reverse samplen 2 spacing 1.2 box lc rgb '#cccccc' font ',9'
set grid xtics ytics lc rgb c_grid lw 1 dt 1
set xrange [0:tend / xdiv]
set border lc rgb c_border
set tics nomirror
set ytics out
set mxtics 2

# Warm-up and fault windows, shaded behind every panel.
if (warmup > 0) {
    set object 99 rect from first 0, graph 0 to first (warmup < tend ? warmup : tend) / xdiv, graph 1 \
        fc rgb c_warm_bg fs solid 0.7 noborder behind
}
do for [i = 0:nload - 1] {
    stats loadfile every ::i::i using 1 nooutput
    lstart = STATS_min
    stats loadfile every ::i::i using 2 nooutput
    set object (200 + i) rect from first lstart / xdiv, graph 0 to first STATS_max / xdiv, graph 1 \
        fc rgb c_load_bg fs solid 0.6 noborder behind
}
do for [i = 0:nfaults - 1] {
    stats faultfile every ::i::i using 1 nooutput
    fstart = STATS_min
    stats faultfile every ::i::i using 2 nooutput
    set object (100 + i) rect from first fstart / xdiv, graph 0 to first STATS_max / xdiv, graph 1 \
        fc rgb c_fault_bg fs solid 0.55 noborder behind
}

set multiplot title title font ',13'
cur = top
array panels[6] = [p_traffic, p_latency, p_cache, p_db, p_backlog, p_poolq]
remaining = np
first_panel = 1

do for [k = 1:6] {
    if (panels[k]) {
        remaining = remaining - 1
        set tmargin at screen cur
        set bmargin at screen cur - panel_px * unit_h + gap
        cur = cur - panel_px * unit_h
        if (remaining == 0 && !strip) {
            set format x '%g'
            set xlabel sprintf('simulated time (%s)', xunit)
            if (strlen(note) > 0) { set label 2 note at screen L, screen 0.015 font ',9' tc rgb c_note }
        } else {
            set format x ''
            unset xlabel
        }
        if (first_panel && warmup > 0) {
            set label 3 'warm-up' at first (warmup < tend ? warmup : tend) / xdiv / 2, graph 1 center offset 0,0.55 font ',9' tc rgb c_warm front
        } else {
            unset label 3
        }
        first_panel = 0
        unset y2tics; unset y2label; unset logscale y
        set format y '%g'
        set autoscale y
        set ytics out
        if (k == 1) {
            set ylabel 'requests/s'
            set yrange [0:*]
            cmd = 'plot '
            if (has_rps && has_errors) {
                # ok = all - failed, stacked under failed: the top edge is all requests
                cmd = cmd . "datafile using ($1/xdiv):(0):($2 - ($3 == $3 ? $3 : 0) > 0 ? $2 - ($3 == $3 ? $3 : 0) : 0) with filledcurves fc rgb c_requests fs transparent solid 0.45 title 'ok/s',"
                cmd = cmd . "datafile using ($1/xdiv):($2 - ($3 == $3 ? $3 : 0) > 0 ? $2 - ($3 == $3 ? $3 : 0) : 0):2 with filledcurves fc rgb c_errors fs solid 0.75 title 'failed/s',"
                cmd = cmd . "datafile using ($1/xdiv):2 with lines lc rgb c_requests lw 1 title 'all requests/s',"
            }
            if (has_rps && !has_errors) {
                cmd = cmd . "datafile using ($1/xdiv):2 with lines lc rgb c_requests lw 1.5 title 'requests/s',"
            }
            if (!has_rps && has_errors) {
                cmd = cmd . "datafile using ($1/xdiv):3 with lines lc rgb c_errors lw 1.5 title 'failed/s',"
            }
        }
        if (k == 2) {
            set ylabel 'latency (ms)'
            set logscale y
            set format y '%g'
            # the floor where 0 ms is drawn, labelled as what it is
            set ytics add ('0 ms' 1e-3)
            cmd = 'plot '
            # A latency of 0 (answered from L1: no modelled time) has no place
            # on a log axis: it is drawn at 1 us; NaN (no request ended in
            # that bucket) stays a gap, marked x on the bottom edge.
            # the oldest in flight first: p99 is drawn over it where they meet
            if (has_oldest) { cmd = cmd . "datafile using ($1/xdiv):($11 == 0 ? 1e-3 : $11) with ".lst." lc rgb c_oldest lw 1.5 dt (6,4) title 'oldest in flight'," }
            if (has_p99) { cmd = cmd . "datafile using ($1/xdiv):($5 == 0 ? 1e-3 : $5) with ".lst." lc rgb c_p99 lw 1.5 title 'p99'," }
            if (has_p50) { cmd = cmd . "datafile using ($1/xdiv):($4 == 0 ? 1e-3 : $4) with ".lst." lc rgb c_p50 lw 1.5 title 'p50'," }
            if (nidle > 0 && has_rps) {
                set y2range [0:1]
                unset y2tics
                cmd = cmd . "datafile using ($2 == 0 ? $1/xdiv : NaN):(0.04) axes x1y2 with points pt 2 ps 0.6 lc rgb c_idle title 'no request ended',"
            }
        }
        if (k == 3) {
            set ylabel 'share (%)'
            set yrange [0:105]
            cmd = 'plot '
            if (has_l1)    { cmd = cmd . "datafile using ($1/xdiv):(100*$6) with lines lc rgb c_l1 lw 1.5 title 'L1 hit ratio'," }
            if (has_stale) { cmd = cmd . "datafile using ($1/xdiv):(100*$7) with lines lc rgb c_stale lw 1.5 title 'stale answers'," }
        }
        if (k == 4) {
            set ylabel 'db calls/s'
            set yrange [0:*]
            cmd = "plot datafile using ($1/xdiv):8 with lines lc rgb c_db lw 1.5 title 'db calls/s',"
        }
        if (k == 5) {
            set ylabel 'commands'
            set yrange [0:*]
            cmd = "plot datafile using ($1/xdiv):9 with lines lc rgb c_backlog lw 1.5 title 'Redis backlog',"
        }
        if (k == 6) {
            set ylabel 'requests'
            set yrange [0:*]
            cmd = "plot datafile using ($1/xdiv):10 with lines lc rgb c_poolq lw 1.5 title 'pool queue',"
        }
        eval(cmd[1:strlen(cmd) - 1])
        unset yrange
        set yrange [*:*]
        set autoscale y2
        set ytics autofreq
    }
}
unset label 3

if (np == 0) {
    set tmargin at screen cur
    set bmargin at screen cur - panel_px * unit_h + gap
    cur = cur - panel_px * unit_h
    set yrange [0:1]
    unset ytics
    unset ylabel
    set format x (strip ? '' : '%g')
    set label 1 'no time series stored for this run' at graph 0.5, graph 0.5 center
    if (!strip && strlen(note) > 0) { set label 2 note at screen L, screen 0.015 font ',9' tc rgb c_note }
    plot NaN notitle
    unset label 1
    set ytics
}

# Events strip: fault windows on the top row, one row per breaker below,
# coloured by state.  A fault's label is written in full beside its box
# (after it, or before it when the box ends late in the run).
if (strip) {
    # here NaN is "missing" (a filtered-out box or label is skipped, never
    # positioned: gnuplot 5.4 crashes on some labels at an undefined x)
    set datafile missing NaN
    set tmargin at screen cur
    set bmargin at screen bottom
    unset logscale y; unset y2tics; unset y2label; unset ylabel
    set yrange [erows - 0.5:-0.5]
    set format x '%g'
    set xlabel sprintf('simulated time (%s)', xunit)
    set ytics out scale 0 font ',9'
    set grid noytics
    set style fill solid 0.85 noborder
    fr = (nfaults > 0 ? 1 : 0) + (nload > 0 ? 1 : 0)   # rows above the breakers
    lrow = (nfaults > 0 ? 1 : 0)
    if (strlen(note) > 0) { set label 2 note at screen L, screen 0.015 font ',9' tc rgb c_note }
    late = 0.72 * tend
    fcmd = "faultfile using (($1+$2)/2/xdiv):(0):(($2-$1)/2/xdiv):(0.32):ytic('faults') with boxxyerror fc rgb c_fault title 'fault window', " . \
           "'' using ($2 < late ? $2/xdiv : NaN):(0):4 with labels left offset 0.6,0 font ',9' tc rgb c_fault notitle, " . \
           "'' using ($2 >= late ? $1/xdiv : NaN):(0):4 with labels right offset -0.6,0 font ',9' tc rgb c_fault notitle"
    # a load peak is often short (a 200 ms spike): its box is at least 0.8 % of the run wide
    lw(a, b) = ((b - a) / 2 > 0.004 * tend ? (b - a) / 2 : 0.004 * tend) / xdiv
    lcmd = "loadfile using (($1+$2)/2/xdiv):(lrow):(lw($1, $2)):(0.32):ytic('load') with boxxyerror fc rgb c_load title 'load peak', " . \
           "'' using ($2 < late ? $2/xdiv : NaN):(lrow):4 with labels left offset 0.6,0 font ',9' tc rgb c_load notitle, " . \
           "'' using ($2 >= late ? $1/xdiv : NaN):(lrow):4 with labels right offset -0.6,0 font ',9' tc rgb c_load notitle"
    # a state no breaker was in gets no key entry; a half-open interval (often
    # one probe, milliseconds) is drawn at least 0.8 % of the run wide
    hw(a, b) = ((b - a) / 2 > 0.004 * tend ? (b - a) / 2 : 0.004 * tend) / xdiv
    bcmd = "breakerfile using ($5 == 0 ? ($1+$2)/2/xdiv : NaN):($3+fr):(($2-$1)/2/xdiv):(0.32):ytic(strcol(4)) with boxxyerror fc rgb c_brk_closed title 'breaker closed', " . \
           "'' using ($5 == 2 ? ($1+$2)/2/xdiv : NaN):($3+fr):(($2-$1)/2/xdiv):(0.32):ytic(strcol(4)) with boxxyerror fc rgb c_brk_open ".(nbreakers > 0 ? "title 'open'" : "notitle").", " . \
           "'' using ($5 == 1 ? ($1+$2)/2/xdiv : NaN):($3+fr):(hw($1, $2)):(0.32):ytic(strcol(4)) with boxxyerror fc rgb c_brk_half ".(nhalf > 0 ? "title 'half-open'" : "notitle")
    ecmd = (nfaults > 0 ? fcmd : '')
    if (nload > 0) { ecmd = ecmd.(strlen(ecmd) > 0 ? ', ' : '').lcmd }
    if (nsegs > 0) { ecmd = ecmd.(strlen(ecmd) > 0 ? ', ' : '').bcmd }
    eval('plot '.ecmd)
}

unset multiplot
