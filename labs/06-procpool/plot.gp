# plot.gp - lab 06's chart.  Given: datafile, cores, source.  The caller sets the terminal.
set multiplot layout 1,2 title sprintf("Lab 06: process pool (%s, %d cores)", source, cores)
set grid

set title "map(noop) on 2 workers: chunking cuts the messages (seed 004)"
set logscale xy 10
set format x "%g"
set format y "10^{%T}"
set xlabel "chunksize (items per message)"
set ylabel "tasks per second (log)"
set key top left
plot datafile index 0 using 1:2 with linespoints lw 2 pt 7 title "procpool_map (C)" noenhanced, \
     datafile index 1 using 1:2 with linespoints lw 2 pt 5 dt 2 \
         title "Python ProcessPoolExecutor.map (issue 6)"

set title "CPU-bound: 32 equal tasks, speed-up over 1 worker"
unset logscale xy
set format x "%g"
set format y "%g"
set xlabel "workers K (processes or threads)"
set ylabel "speed-up"
set xtics 1
set yrange [0:cores + 0.5]
set key top left
plot datafile index 2 using 1:4 with linespoints lw 2 pt 7 title "K processes (procpool_map)" noenhanced, \
     datafile index 2 using 1:5 with linespoints lw 2 pt 5 title "K threads (pthreads)", \
     datafile index 2 using 1:($1 < cores ? $1 : cores) with lines dt 2 lw 1 \
         title "ideal: min(K, cores)"
unset multiplot
