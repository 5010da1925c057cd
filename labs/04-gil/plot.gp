# plot.gp - lab 04's charts.  Given: datafile, cores, source.  The caller sets the terminal.
# Data blocks (bench.c): 0 countdown, 1 convoy, 2 sweep, 3 price, 4 timeline, 5 corruption.
# Published figures are drawn as hollow black markers.

# Published anchors (README: "The chart" gives the sources).
$cpython_threads << EOD
1 1.00
2 1.00
4 1.02
EOD
$cpython_processes << EOD
2 0.526
EOD
$beazley_old << EOD
2 1.8
EOD
$convoy_anchor << EOD
0.005 5800
0.005 190
EOD
$sweep_anchor << EOD
0.000001 13
EOD

# Reference values read from the data: the new GIL on 1 thread; each thread
# count at a 5 ms interval; the new GIL's time on one thread.
stats datafile index 0 every ::0::0 using 2 nooutput
t_one = STATS_max
do for [c=2:5] {
    stats datafile index 2 using ($1 == 0.005 ? column(c) : 1/0) nooutput
    eval sprintf("at5ms_%d = STATS_max", c)
}
stats datafile index 3 every ::0::0 using 2 nooutput
t_gil = STATS_max
stats datafile index 5 using ($1 == 4 ? $4 : 1/0) nooutput
drift4 = STATS_max
stats datafile index 5 using ($1 == 4 ? $2 : 1/0) nooutput
freed4 = STATS_max

stats datafile index 6 using 1 nooutput
load_before = STATS_max
stats datafile index 6 using 2 nooutput
load_after = STATS_max
set multiplot title sprintf("Lab 04: the GIL, measured on your GIL (%s, %d cores, load average %.1f to %.1f)", source, cores, load_before, load_after)
set grid
anchor = "pt 6 ps 2 lw 2 lc rgb 'black'"

# ---- 1: CPU-bound countdown --------------------------------------------------------
set origin 0, 0.5
set size 0.34, 0.47
set title "1. CPU-bound countdown, fixed work"
set xlabel "threads (or processes)"
set ylabel "time / new GIL on 1 thread"
set xtics (1, 2, 4)
set xrange [0.7:4.5]
set yrange [0:*]
set offsets 0, 0, graph 0.45, 0
set key top left Left reverse font ",9"
plot datafile index 0 using 1:($2/t_one) with linespoints lw 2 pt 7 title "new GIL", \
     datafile index 0 using 1:($3/t_one) with linespoints lw 2 pt 5 title "old GIL", \
     datafile index 0 using 1:($4/t_one) with linespoints lw 2 pt 9 title "no GIL, atomic refcounts", \
     datafile index 0 using 1:($5/t_one) with linespoints lw 2 pt 11 title "processes", \
     $cpython_threads using 1:2 with points @anchor title "CPython 3.11 threads, processes", \
     $cpython_processes using 1:2 with points @anchor notitle, \
     $beazley_old using 1:2 with points pt 4 ps 2 lw 2 lc rgb 'black' title "Beazley 2009, old GIL"

# ---- 2: convoy effect -----------------------------------------------------------------
set origin 0.33, 0.5
set size 0.34, 0.47
set title "2. Convoy: one I/O thread beside CPU threads"
set logscale xy 10
set format x "10^{%T}"
set format y "10^{%T}"
set xlabel "switch interval (s)"
set ylabel "I/O operations per second"
set xtics auto
set xrange [*:*]
set yrange [*:*]
set offsets 0, 0, 0, 0
set key default
set key at graph 0.02, graph 0.02 left bottom Left reverse font ",9"
plot datafile index 1 using 1:2 with linespoints lw 2 pt 7 title "0 CPU threads", \
     datafile index 1 using 1:3 with linespoints lw 2 pt 5 title "1 CPU thread", \
     datafile index 1 using 1:4 with linespoints lw 2 pt 9 title "2 CPU threads", \
     datafile index 1 using 1:(1/$1) with lines dt 2 lc rgb 'gray40' title "1 / interval", \
     $convoy_anchor using 1:2 with points @anchor title "CPython 3.11, 0 and 1 CPU"

# ---- 3: switch-interval sweep ---------------------------------------------------------
set origin 0.66, 0.5
set size 0.34, 0.47
set title "3. Switch-interval sweep, fixed work"
set logscale x 10
unset logscale y
set format y "%g"
set xlabel "switch interval (s)"
set ylabel "time / time at 5 ms"
set yrange [0:*]
set key default
set key top right font ",9"
plot datafile index 2 using 1:($2/at5ms_2) with linespoints lw 2 pt 7 title "1 thread", \
     datafile index 2 using 1:($3/at5ms_3) with linespoints lw 2 pt 5 title "2 threads", \
     datafile index 2 using 1:($4/at5ms_4) with linespoints lw 2 pt 9 title "4 threads", \
     datafile index 2 using 1:($5/at5ms_5) with linespoints lw 2 pt 11 title "8 threads", \
     $sweep_anchor using 1:2 with points @anchor title "published, 8 threads"

# ---- 4: the single-thread price of removing the GIL -------------------------------------
unset logscale x
set format x "%g"
set origin 0, 0
set size 0.34, 0.5
set title "4. One thread: the price of no GIL"
set xlabel ""
set ylabel "CPU time / new GIL"
set style fill solid 0.6 border -1
set boxwidth 0.6
set xrange [-0.6:3.6]
set yrange [0:*]
set xtics rotate by -20 font ",9"
set key default
set key top left Left reverse font ",9"
set object 1 rect from -0.6, 1.05 to 3.6, 1.10 fc rgb '#9ecae1' fs solid 0.5 noborder behind
set label 1 sprintf("no GIL, plain\ncounts, 4\nthreads: off\nby %d, %d\nfreed while\nreferenced", drift4, freed4) \
    at first 3.55, graph 0.95 right font ",9"
plot datafile index 3 using 0:($2/t_gil):xtic(1) with boxes lc rgb '#3182bd' notitle, \
     1/0 with boxes lc rgb '#9ecae1' title "PEP 703: +5-10%"
unset object 1
unset label 1
set xtics norotate font ""

# ---- 5: a GIL timeline ------------------------------------------------------------------------
set origin 0.33, 0
set size 0.67, 0.5
set title "5. Who holds the GIL: 2 CPU threads + 1 I/O thread (top: new GIL, bottom: old GIL)"
set xlabel "time (ms)"
set ylabel ""
set xrange [0:*]
set yrange [-0.7:5.7]
set ytics ("old: I/O" 0, "old: CPU 2" 1, "old: CPU 1" 2, "new: I/O" 3, "new: CPU 2" 4, "new: CPU 1" 5) font ",9"
set key default
set key outside bottom center horizontal font ",9"
row(panel, r) = (panel == 0 ? 5 : 2) - r
plot datafile index 4 using (($4+$3)/2):(row($1,$2)):(($4-$3)/2):($5 == 0 ? 0.35 : 1/0) \
         with boxxyerror fs solid 1.0 noborder lc rgb '#d62728' title "held, then dropped on request / every N ticks", \
     datafile index 4 using (($4+$3)/2):(row($1,$2)):(($4-$3)/2):($5 == 2 ? 0.35 : 1/0) \
         with boxxyerror fs solid 1.0 noborder lc rgb '#7f7f7f' title "held until the end", \
     datafile index 4 using (($4+$3)/2):(row($1,$2)):(($4-$3)/2):($5 == 3 ? 0.08 : 1/0) \
         with boxxyerror fs solid 1.0 noborder lc rgb '#fdae6b' title "waiting for the GIL", \
     datafile index 4 using 3:($5 == 1 ? row($1,$2) - 0.35 : 1/0):(0):(0.7) \
         with vectors nohead lw 2 lc rgb '#2ca02c' title "held (a few us), then released for I/O"

unset multiplot
