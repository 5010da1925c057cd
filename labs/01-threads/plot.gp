# plot.gp - lab 01's chart.  Given: datafile, cores, source.  The caller sets the terminal.
set multiplot layout 1,2 title sprintf("Lab 01: threads (%s, %d cores)", source, cores)
set key top right
set xlabel "worker threads K"
set ylabel "seconds"
set xtics 1
set yrange [0:*]
set grid

set title "I/O-bound: seed 003's [1,2,2,1] sleeps"
plot datafile using 1:2 with linespoints lw 2 pt 7 title "wall time", \
     datafile using 1:3 with linespoints lw 2 pt 5 title "CPU time"

set title "CPU-bound: 8 equal tasks"
first = 0
plot datafile using 1:4 with linespoints lw 2 pt 7 title "wall time", \
     datafile using 1:5 with linespoints lw 2 pt 5 title "CPU time", \
     datafile using 1:(first = ($1 == 1 ? $4 : first), first / ($1 < cores ? $1 : cores)) \
         with lines dt 2 lw 1 title "ideal: T1 / min(K, cores)"
unset multiplot
