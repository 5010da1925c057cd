# plot.gp - lab 03's chart.  The caller sets the terminal; harness/scripts/chart.gp gives the rest.
load 'harness/scripts/chart.gp'
set multiplot layout 1,2 title page("Lab 03: what a lock costs")
set xlabel "threads"
set xtics 1
set xrange [0.5:8.5]
# Past this line there are more threads than cores: someone is always preempted.
# (it stops short of the top, where a terminal puts the y label)
set arrow 1 from first cores, graph 0 to first cores, graph 0.95 nohead dt 3 lw 1
set label 1 "cores" at first cores, graph 0.95 offset 2, 0 left
# In the legend too (a terminal draws the line as | and its key sample as
# letters: there the label beside the line names it).
coreskey = text ? "keyentry notitle" : "keyentry with lines dt 3 lw 1 lc rgb 'black' title 'dotted: as many threads as cores'"

set title "A shared counter (log scale)"
eval ylabel("million increments per second")
set logscale y
plot datafile index 0 using 1:(m(1)):(lo(1)):(hi(1)) @data pt 7 title "mutex (yours)", \
     datafile index 0 using 1:(m(2)):(lo(2)):(hi(2)) @data pt 5 title "spinlock", \
     datafile index 0 using 1:(m(3)):(lo(3)):(hi(3)) @data pt 9 title "atomic add", \
     datafile index 0 using 1:(m(4)):(lo(4)):(hi(4)) @data pt 11 title "per-thread shards", \
     for [s=1:4] datafile index 0 using 1:(badm(s)) @circled notitle, \
     @circlekey, \
     @coreskey

set title "Bank transfers, 64 accounts"
eval ylabel("million transfers per second")
unset logscale y
set yrange [0:*]
plot datafile index 1 using 1:(m(1)):(lo(1)):(hi(1)) @data pt 7 title "one global lock (around yours)", \
     datafile index 1 using 1:(m(2)):(lo(2)):(hi(2)) @data pt 5 title "a lock per account (yours)", \
     for [s=1:2] datafile index 1 using 1:(badm(s)) @circled notitle, \
     @circlekey, \
     @coreskey
unset multiplot
