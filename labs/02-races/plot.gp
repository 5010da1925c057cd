# plot.gp - lab 02's chart.  Given: datafile, cores, source.  The caller sets the terminal.
set multiplot layout 1,2 title sprintf("Lab 02: races (%s, %d cores)", source, cores)
set grid
set key top left

set title "Racy x += 1: updates lost (mean of several runs, bars: min..max)"
set logscale x 10
set format x "10^{%T}"
set xlabel "increments per thread"
set ylabel "% of updates lost"
set yrange [0:100]
plot datafile index 0 using 1:2:3:4 with yerrorlines lw 2 pt 7 title "2 threads", \
     datafile index 1 using 1:2:3:4 with yerrorlines lw 2 pt 5 title "4 threads"

set title "Cost of one increment (wall clock, all threads together)"
unset logscale x
set format x "%g"
set logscale y 10
set format y "%g"
set xlabel "threads"
set ylabel "ns per increment (log)"
set xtics (1, 2, 4, 8)
set yrange [*:*]
set key top left
plot datafile index 2 using 1:3 with linespoints lw 2 pt 7 title "atomic (fetch_add)" noenhanced, \
     datafile index 2 using 1:2 with linespoints lw 2 pt 5 title "racy (load + store, wrong)", \
     datafile index 2 using 1:4 with linespoints lw 2 pt 9 title "confined (count, then add up)"
unset multiplot
