# plot.gp - lab 05's chart.  Given: datafile, cores, source.  The caller sets the terminal.
set multiplot layout 1,2 title sprintf("Lab 05: a thread pool with futures (%s, %d cores)", source, cores)
set key top right
set xlabel "worker threads K (max_workers)"
set xtics 1
set yrange [0:*]
set grid

set title "The seeds' I/O-bound workloads"
set ylabel "wall time (units: the seeds' seconds)"
plot datafile index 0 using 1:5 with linespoints lw 2 pt 7 title "seed 000: 10 sleeps, as\\_completed", \
     datafile index 0 using 1:4 with linespoints lw 2 pt 5 title "seed 004: [5,4,3,2,1], as\\_completed", \
     datafile index 0 using 1:2 with linespoints lw 2 pt 9 title "seed 003: map [1,2,2,1]", \
     datafile index 0 using 1:3 with linespoints lw 2 pt 11 title "seed 004: map [3,2,1]"

set title "No-op tasks: the pool's own overhead"
set ylabel "million tasks per second"
plot datafile index 1 using 1:($3/1e6) with linespoints lw 2 pt 7 title "map (one lock per batch)", \
     datafile index 1 using 1:($2/1e6) with linespoints lw 2 pt 5 title "submit, then result()"
unset multiplot
