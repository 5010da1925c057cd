# plot.gp - lab 03's chart.  Given: datafile, cores, source.  The caller sets the terminal.
set multiplot layout 1,2 title sprintf("Lab 03: what a lock costs (%s, %d cores)", source, cores)
set key top right
set xlabel "threads"
set xtics 1
set grid
# Past this line there are more threads than cores: someone is always preempted.
set arrow 1 from first cores, graph 0 to first cores, graph 1 nohead dt 3 lw 1
set label 1 "cores" at first cores, graph 0.97 offset 0.5, 0

set title "A shared counter (log scale)"
set ylabel "million increments per second"
set logscale y
plot datafile index 0 using 1:2 with linespoints lw 2 pt 7 title "mutex (yours)", \
     datafile index 0 using 1:3 with linespoints lw 2 pt 5 title "spinlock", \
     datafile index 0 using 1:4 with linespoints lw 2 pt 9 title "atomic add", \
     datafile index 0 using 1:5 with linespoints lw 2 pt 11 title "per-thread shards"

set title "Bank transfers, 64 accounts"
set ylabel "million transfers per second"
unset logscale y
set yrange [0:*]
plot datafile index 1 using 1:2 with linespoints lw 2 pt 7 title "one global lock (around yours)", \
     datafile index 1 using 1:3 with linespoints lw 2 pt 5 title "a lock per account (yours)"
unset multiplot
