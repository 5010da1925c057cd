# plot.gp - lab 01's chart.  The caller sets the terminal; harness/scripts/chart.gp gives the rest.
load 'harness/scripts/chart.gp'
set multiplot layout 1,2 title page("Lab 01: threads")
set xlabel "worker threads K"
set xtics 1
set xrange [0.5:8.5]
set yrange [0:*]
eval ylabel("seconds")

set title "I/O-bound: seed 003's [1,2,2,1] sleeps"
plot datafile index 0 using 1:(m(1)):(lo(1)):(hi(1)) @data pt 7 title "wall time", \
     datafile index 0 using 1:(m(2)):(lo(2)):(hi(2)) @data pt 5 title "CPU time", \
     for [s=1:2] datafile index 0 using 1:(badm(s)) @circled notitle, \
     @circlekey

# The ideal: the CPU time the tasks took, spread over min(K, cores) cores.
# Not the wall time at K = 1: on a busy machine that is inflated too, and an
# ideal drawn from it would sit below nothing.  CPU time is the work, whatever
# the load (and on an idle machine it is the wall time at K = 1).
set title "CPU-bound: 8 equal tasks"
plot datafile index 1 using 1:(m(1)):(lo(1)):(hi(1)) @data pt 7 title "wall time", \
     datafile index 1 using 1:(m(2)):(lo(2)):(hi(2)) @data pt 5 title "CPU time", \
     for [s=1:2] datafile index 1 using 1:(badm(s)) @circled notitle, \
     @circlekey, \
     datafile index 1 using 1:(m(2) / ($1 < cores ? $1 : cores)) @ideal title "ideal wall time: CPU time / min(K, cores)"
unset multiplot
