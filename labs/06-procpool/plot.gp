# plot.gp - lab 06's chart.  The caller sets the terminal; harness/scripts/chart.gp gives the rest.
load 'harness/scripts/chart.gp'
set multiplot layout 1,2 title page("Lab 06: process pool")

set title "map(noop), 2 workers: chunks cut messages (seed 004)"
set logscale xy 10
set format x "%g"
set xlabel "chunksize (items per message)"
# The data are in thousand tasks/s (as the terminal's table prints them); the
# axis shows tasks per second, each tick named in its unit.
eval ylabel("tasks per second (log)")
set ytics ("100" 1e2, "1 k" 1e3, "10 k" 1e4, "100 k" 1e5, "1 M" 1e6, "10 M" 1e7, "100 M" 1e8, "1 G" 1e9)
# Python's line is measured in the same rounds (bench.c runs python3 -c);
# where python3 is missing, block 1 holds zeros and the chart draws the
# published figures (block 3) instead, and the legend says which.
stats datafile index 1 using (m(1)) nooutput
python_measured = STATS_max > 0
k = 1000
plot datafile index 0 using 1:(k*m(1)):(k*lo(1)):(k*hi(1)) @data pt 7 title "procpool_map (C)", \
     datafile index 0 using 1:(k*badm(1)) @circled notitle, \
     datafile index 1 using 1:(python_measured ? k*badm(1) : NaN) @circled notitle, \
     @circlekey, \
     datafile index (python_measured ? 1 : 3) using 1:(k*(python_measured ? m(1) : $2)):(k*(python_measured ? lo(1) : $2)):(k*(python_measured ? hi(1) : $2)) \
         with yerrorlines dt 2 lw 2 pt 4 lc rgb 'black' \
         title (python_measured ? "Python ProcessPoolExecutor.map, this run" \
                                : "Python 3.11: kit authors' figures, 2 cores, not this run")

set title "CPU-bound: 32 equal tasks, speed-up over 1 worker"
unset logscale xy
set format x "%g"
set format y "%g"
set ytics auto
set xlabel "workers K (processes or threads)"
eval ylabel("speed-up")
set xtics 1
set xrange [0.5:8.5]
set yrange [0:cores + 0.5 < *]   # room for the ideal; more for a wild spread
plot datafile index 2 using 1:(m(1)):(lo(1)):(hi(1)) @data pt 7 title "K processes (procpool_map)", \
     datafile index 2 using 1:(m(2)):(lo(2)):(hi(2)) @data pt 5 title "K threads (pthreads)", \
     for [s=1:2] datafile index 2 using 1:(badm(s)) @circled notitle, \
     @circlekey, \
     datafile index 2 using 1:($1 < cores ? $1 : cores) @ideal title "ideal: min(K, cores)"
unset multiplot
