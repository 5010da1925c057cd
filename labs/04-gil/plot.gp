# plot.gp - lab 04's charts.  The caller sets the terminal; harness/scripts/chart.gp gives the rest.
# Data blocks (bench.c): 0 countdown, 1 convoy, 2 sweep, 3 price (medians of rounds, with
# their spread), 4 timeline, 5 corruption (one run each).
# Published figures are drawn as hollow black markers, above the data.
# Five panels, legends below them: a bigger page (harness/scripts/plots.sh reads these).
# png size: 1200,1000
# text size: 120,80
load 'harness/scripts/chart.gp'

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

# Panels 1, 3 and 4 are ratios already: bench.c divides each round by a
# yardstick measured in the same round.
stats datafile index 5 using ($1 == 4 ? $4 : NaN) nooutput
drift4 = STATS_max
stats datafile index 5 using ($1 == 4 ? $2 : NaN) nooutput
freed4 = STATS_max

set multiplot title page("Lab 04: the GIL, measured on your GIL")
anchor = "pt 6 ps 2 lw 2 lc rgb 'black'"
# Every legend goes below its panel, never over the data (harness/scripts/chart.gp);
# as text a key sample is drawn a row high, so leave it a row more, and a
# title must fit in a third of the width (shorter titles there).
belowkey = "set key default; set key below Left reverse noenhanced font ',9'" . (text ? "; set key height 2" : "")

# ---- 1: CPU-bound countdown --------------------------------------------------------
set origin 0, 0.5
set size 0.34, 0.47
set title "1. CPU-bound countdown"
set xlabel "threads (or processes)"
eval ylabel("time / new GIL on 1 thread")
set xtics (1, 2, 4)
set xrange [0.7:4.5]
set yrange [0:*]
@belowkey
if (!text) set key maxcols 2
names = "'new GIL' 'old GIL' 'no GIL, atomic refcounts' 'processes'"
plot for [s=1:4] datafile index 0 using 1:(m(s)):(lo(s)):(hi(s)) @data pt (2*s + 5) title word(names, s), \
     for [s=1:4] datafile index 0 using 1:(badm(s)) @circled notitle, \
     @circlekey, \
     $cpython_threads using 1:2 with points @anchor title (text ? "CPython 3.11, kit authors" : "CPython 3.11, threads, processes: kit authors, 2 cores"), \
     $cpython_processes using 1:2 with points @anchor notitle, \
     $beazley_old using 1:2 with points pt 4 ps 2 lw 2 lc rgb 'black' title "Beazley 2009, old GIL"

# ---- 2: convoy effect -----------------------------------------------------------------
set origin 0.33, 0.5
set size 0.34, 0.47
set title "2. Convoy: I/O beside CPU threads"
set logscale xy 10
set format x logfmt
set format y logfmt
set xlabel "switch interval (s)"
eval ylabel("I/O operations per second")
set xtics auto
set xrange [*:*]
set yrange [*:*]
@belowkey
if (!text) set key maxcols 2
names = "'0 CPU threads' '1 CPU thread' '2 CPU threads'"
plot for [s=1:3] datafile index 1 using 1:(m(s)):(lo(s)):(hi(s)) @data pt (2*s + 5) title word(names, s), \
     for [s=1:3] datafile index 1 using 1:(badm(s)) @circled notitle, \
     @circlekey, \
     datafile index 1 using 1:(1/$1) @ideal title "1 / interval", \
     $convoy_anchor using 1:2 with points @anchor title (text ? "CPython 3.11, kit authors" : "CPython 3.11, 0 and 1 CPU: kit authors, 2 cores")

# ---- 3: switch-interval sweep ---------------------------------------------------------
set origin 0.66, 0.5
set size 0.34, 0.47
set title "3. Switch-interval sweep"
set logscale x 10
unset logscale y
set format y "%g"
set xlabel "switch interval (s)"
eval ylabel("time / time at 5 ms")
set yrange [0:*]
@belowkey
if (!text) set key maxcols 2
names = "'1 thread' '2 threads' '4 threads' '8 threads'"
plot for [s=1:4] datafile index 2 using 1:(m(s)):(lo(s)):(hi(s)) @data pt (2*s + 5) title word(names, s), \
     for [s=1:4] datafile index 2 using 1:(badm(s)) @circled notitle, \
     @circlekey, \
     $sweep_anchor using 1:2 with points @anchor title (text ? "quoted, 8 threads, no source" : "8 threads: a quoted figure, source unknown")

# ---- 4: the single-thread price of removing the GIL -------------------------------------
unset logscale x
set format x "%g"
set origin 0, 0
set size 0.34, 0.5
set title "4. One thread: price of no GIL"
# Block 5's plain counts, 4 threads: how often a shared object's count fell to
# 0 while every thread still pointed at it (a use-after-free in CPython), and
# how far the four shared counts ended from the truth, in all.
# (a terminal drops a line wider than the panel: shorter lines there)
set xlabel sprintf(text ? "no GIL, plain counts, 4 threads,\none run: a shared count hit 0\nwhile in use %d times; the\ncounts ended off by %d in all" \
                        : "no GIL, plain counts, 4 threads, one run: a shared count hit 0\nwhile in use %d times; the counts ended off by %d in all", freed4, drift4) noenhanced font ",9"
eval ylabel("CPU time / new GIL")
set style fill solid 0.6 border -1
set boxwidth 0.6
set xrange [-0.6:3.6]
set yrange [0:*]
set xtics rotate by -20 font ",9"
if (text) set xtics norotate
@belowkey
set object 1 rect from -0.6, 1.05 to 3.6, 1.10 fc rgb '#9ecae1' fs solid 0.5 noborder behind
# As text the four names do not fit side by side: numbers, named in the legend.
if (text) set xtics ("1" 0, "2" 1, "3" 2, "4" 3); \
else set xtics ("new GIL" 0, "old GIL" 1, "no GIL (atomic)" 2, "no GIL (plain)" 3)
plot datafile index 3 using 1:(m(1)) with boxes lc rgb '#3182bd' \
         title (text ? "1 new GIL, 2 old GIL, 3 no GIL (atomic), 4 no GIL (plain)" : "median of the rounds"), \
     datafile index 3 using 1:(m(1)):(lo(1)):(hi(1)) with yerrorbars lc rgb 'black' pt 0 title "spread of the rounds", \
     datafile index 3 using 1:(badm(1)) @circled notitle, \
     @circlekey, \
     1/0 with boxes lc rgb '#9ecae1' title "PEP 703: +5-10% (the band)"
unset object 1
set xlabel font ""
set xtics auto norotate font ""

# ---- 5: a GIL timeline ------------------------------------------------------------------------
set origin 0.33, 0
set size 0.67, 0.5
set title "5. Who holds the GIL: 2 CPU + 1 I/O thread (top: new GIL, bottom: old)"
set xlabel "time (ms)"
eval ylabel("")
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
