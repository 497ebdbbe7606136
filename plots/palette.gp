# palette.gp — the one colour table of every plots/*.gp (each script does
# `load palette`; cachestorm plot passes its path).  A component keeps its
# colour in every plot kind: requests are always blue, failures red, p99
# purple, the database brown, and so on.  Runs and variants (cdf, sweep,
# compare) take the sequence var_colour[1..8] in order.
c_requests  = '#1f77b4'   # requests / ok requests
c_errors    = '#d62728'   # failed requests (errors)
c_timeouts  = '#ff7f0e'   # timed-out requests (a subset of the failed)
c_p50       = '#2ca02c'   # median latency
c_p99       = '#9467bd'   # p99 latency
c_oldest    = '#3f007d'   # age of the oldest request in flight (dashed)
c_l1        = '#17becf'   # L1 hit ratio
c_stale     = '#bcbd22'   # stale answers
c_db        = '#8c564b'   # database
c_backlog   = '#e377c2'   # Redis backlog
c_poolq     = '#555555'   # worker-pool queue
c_idle      = '#1a1a1a'   # marker: no request ended in that second
c_fault     = '#c0392b'   # fault window (strip) and its label
c_fault_bg  = '#f6c4c4'   # fault window shading behind the panels
c_warm_bg   = '#e6e6e6'   # warm-up shading
c_load_bg   = '#d4e6f7'   # load-peak shading behind the panels
c_load      = '#1f5f99'   # load-peak box (events strip) and its label
c_warm      = '#6f6f6f'   # warm-up label
c_note      = '#777777'   # notes at the bottom of a picture
c_brk_closed = '#c7e9c0'  # breaker closed
c_brk_half   = '#fdd835'  # breaker half-open
c_brk_open   = '#e8590c'  # breaker open
c_grid      = '#e0e0e0'
c_border    = '#404040'
array var_colour[8] = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf']
