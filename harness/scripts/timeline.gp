# timeline.gp - make replay's chart of one schedule: a lane per thread, a dot
# for each step it took, bars where it held a lock, dashes where it waited,
# an arrow from each signal to the wakeup it caused, a triangle where the
# scheduler switched away from a thread that could have gone on, a star at
# a spurious wakeup and a circle at a timeout, and the failure in red.  harness/scripts/replay.sh gives
# `datafile`; harness/testlib/timeline.c writes it, and beside it
# datafile.gp (the lanes' names, the schedule, the failing step).
load datafile.".gp"
set title sprintf("Schedule %s: which thread took each step", schedule) noenhanced
set xlabel "step"
set xrange [-0.5:failstep + 1.5]
set yrange [-0.8:lanes - 0.2]
set grid xtics
set key outside bottom center horizontal noenhanced maxrows 2
set arrow 1 from failstep, graph 0 to failstep, graph 1 nohead lw 2 lc rgb '#d62728'
set label 1 failure at failstep, graph 1 offset -0.5, -1 right textcolor rgb '#d62728' noenhanced
cat(c) = column(3) == c ? column(2) : 1/0
plot datafile index 1 using (($2 + $3) / 2):($1 + 0.22):(($3 - $2) / 2):(0.1) \
         with boxxyerror fs solid 0.45 noborder lc rgb '#1f77b4' title "holds a lock", \
     datafile index 1 using 2:($1 + 0.22):4 with labels left offset 0, 0.75 font ",8" \
         textcolor rgb '#1f77b4' notitle, \
     datafile index 2 using 2:($1 - 0.2):($3 - $2):(0) with vectors nohead dt 2 lw 2 \
         lc rgb '#ff7f0e' title "waits (blocked)", \
     datafile index 0 using 1:(cat(0)) with points pt 7 ps 0.7 lc rgb '#1f77b4' title "lock, unlock", \
     datafile index 0 using 1:(cat(1)) with points pt 7 ps 0.7 lc rgb '#2ca02c' title "wait, signal", \
     datafile index 0 using 1:(cat(2)) with points pt 7 ps 0.7 lc rgb '#9467bd' title "atomic", \
     datafile index 0 using 1:(cat(3)) with points pt 7 ps 0.7 lc rgb '#7f7f7f' title "start, join, end", \
     datafile index 0 using 1:(cat(4)) with points pt 7 ps 0.7 lc rgb '#8c564b' title "other", \
     datafile index 4 using 1:3:($2 - $1):($4 - $3) with vectors head filled size 0.25,20 \
         lw 1 lc rgb '#2ca02c' title "a signal wakes a waiter", \
     datafile index 3 using 1:($2 + 0.4) with points pt 11 ps 1.2 lc rgb 'black' \
         title "the scheduler switched here", \
     datafile index 5 using 1:($3 == 1 ? $2 + 0.4 : 1/0) with points pt 3 ps 1.6 lw 2 \
         lc rgb '#d62728' title "woken spuriously", \
     datafile index 5 using 1:($3 == 2 ? $2 + 0.4 : 1/0) with points pt 6 ps 1.4 lw 2 \
         lc rgb '#ff7f0e' title "timed out"
