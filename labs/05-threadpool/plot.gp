# plot.gp - lab 05's chart.  The caller sets the terminal; harness/scripts/chart.gp gives the rest.
load 'harness/scripts/chart.gp'
set multiplot layout 1,2 title page("Lab 05: a thread pool with futures")
set xlabel "worker threads K (max_workers)" noenhanced
set xtics 1
set xrange [0.5:8.5]
set yrange [0:*]

set title "The seeds' I/O-bound workloads"
eval ylabel("wall time (units: the seeds' seconds)")
names = "'seed 003: map [1,2,2,1]' 'seed 004: map [3,2,1]' 'seed 004: [5,4,3,2,1], as_completed' 'seed 000: 10 sleeps, as_completed'"
# The schedule's ideal (each free worker takes the oldest queued task) in
# black, dashed, above the data.
plot for [s=1:4] datafile index 0 using 1:(m(s)):(lo(s)):(hi(s)) @data pt (2*s + 3) lc s title word(names, s), \
     for [s=1:4] datafile index 0 using 1:(badm(s)) @circled notitle, \
     @circlekey, \
     for [s=1:4] datafile index 1 using 1:(column(s + 1)) @ideal title (s == 1 ? "the schedule's ideal" : "")

set title "No-op tasks: the pool's own cost"
eval ylabel("million tasks per second")
plot datafile index 2 using 1:(m(2)):(lo(2)):(hi(2)) @data pt 7 lc 1 title "map (one lock per batch)", \
     datafile index 2 using 1:(m(1)):(lo(1)):(hi(1)) @data pt 5 lc 2 title "submit, then result()", \
     for [s=1:2] datafile index 2 using 1:(badm(s)) @circled notitle, \
     @circlekey
unset multiplot
