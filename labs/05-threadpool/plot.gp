# plot.gp - lab 05's chart.  Given: datafile, cores, source.  The caller sets the terminal.
set multiplot layout 1,2 title sprintf("Lab 05: a thread pool with futures (%s, %d cores)", source, cores)
set key top right
set xlabel "worker threads K (max\\_workers)"
set xtics 1
set yrange [0:*]
set grid

set title "The seeds' I/O-bound workloads (dashed: the schedule's ideal)"
set ylabel "wall time (units: the seeds' seconds)"
plot datafile index 0 using 1:5 with linespoints lw 2 pt 7 lc 1 title "seed 000: 10 sleeps, as\\_completed", \
     datafile index 0 using 1:9 with lines dt 2 lw 1 lc 1 notitle, \
     datafile index 0 using 1:4 with linespoints lw 2 pt 5 lc 2 title "seed 004: [5,4,3,2,1], as\\_completed", \
     datafile index 0 using 1:8 with lines dt 2 lw 1 lc 2 notitle, \
     datafile index 0 using 1:2 with linespoints lw 2 pt 9 lc 3 title "seed 003: map [1,2,2,1]", \
     datafile index 0 using 1:6 with lines dt 2 lw 1 lc 3 notitle, \
     datafile index 0 using 1:3 with linespoints lw 2 pt 11 lc 4 title "seed 004: map [3,2,1]", \
     datafile index 0 using 1:7 with lines dt 2 lw 1 lc 4 notitle

set title "No-op tasks: the pool's own cost (best of 3)"
set ylabel "million tasks per second"
plot datafile index 1 using 1:($3/1e6) with linespoints lw 2 pt 7 lc 1 title "map (one lock per batch)", \
     datafile index 1 using 1:($2/1e6) with linespoints lw 2 pt 5 lc 2 title "submit, then result()"
unset multiplot
