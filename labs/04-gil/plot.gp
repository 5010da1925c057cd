# plot.gp - lab 04's charts.  The caller sets the terminal; harness/scripts/chart.gp gives the rest.
# Data blocks (bench.c): 0 countdown, 1 convoy, 2 sweep, 3 price, 4 release (medians of
# rounds, with their spread), 5 timeline, 6 corruption (one run each).
# Published figures are drawn as hollow black markers, above the data.
# Six panels in three rows, legends below them: a bigger page (harness/scripts/plots.sh
# reads these).
# png size: 1200,1450
# text size: 120,120
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
# Block 6: the tests' widened window (widened = 1: exact every run), and the
# free-running countdowns on 4 threads (one run: luck).
stats datafile index 6 using ($5 == 1 ? $4 : NaN) nooutput
widened_lost = STATS_max
stats datafile index 6 using ($5 == 1 ? $6 : NaN) nooutput
widened_increfs = STATS_max
stats datafile index 6 using ($5 == 0 && $1 == 4 ? $4 : NaN) nooutput
drift4 = STATS_max
stats datafile index 6 using ($5 == 0 && $1 == 4 ? $2 : NaN) nooutput
freed4 = STATS_max
stats datafile index 6 using ($5 == 0 && $1 == 4 ? $6 : NaN) nooutput
turns4 = STATS_max
unseen = (drift4 == 0 && freed4 == 0) ? (text ? "\n(too few turns to catch it:\nnot seen is not safe)" \
                                               : " (too few turns to catch it: not seen is not safe)") : ""
# Three rows: panels 1-3, then 4 and 5, then the timeline.
top = 0.66
mid = 0.33

set multiplot title page("Lab 04: the GIL, measured on your GIL")
anchor = "pt 6 ps 2 lw 2 lc rgb 'black'"
# Every legend goes below its panel, never over the data (harness/scripts/chart.gp);
# as text a key sample is drawn a row high, so leave it a row more, and a
# title must fit in a third of the width (shorter titles there).
belowkey = "set key default; set key below Left reverse noenhanced font ',9'" . (text ? "; set key height 2" : "")

# ---- 1: CPU-bound countdown --------------------------------------------------------
set origin 0, top
set size 0.34, 0.32
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
set origin 0.33, top
set size 0.34, 0.32
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
set origin 0.66, top
set size 0.34, 0.32
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
set origin 0, mid
set size 0.5, 0.33
set title "4. One thread: price of no GIL"
# Block 6, under the bars: seed 000's claim.  The tests' widened window makes
# two threads' reads meet in every INCREF without a GIL, so its loss is
# exact; the free-running countdowns are one run of luck, and a short run
# (PLOTS_QUICK) usually catches nothing, which the label then says.
# (a terminal drops a line wider than the panel: shorter lines there)
set xlabel sprintf(text ? "no GIL, plain counts:\nwidened window, 2 x %d INCREFs:\n%d lost, every run;\n4 threads x %d turns, one run:\nhit 0 in use %d times, off by %d%s" \
                        : "no GIL, plain counts. The tests' widened window, 2 threads x %d INCREFs: %d lost, every run.\nFree-running, 4 threads x %d turns, one run: a shared count hit 0 while in use %d times;\nthe counts ended off by %d%s", \
                   widened_increfs, widened_lost, turns4, freed4, drift4, unseen) noenhanced font ",9"
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
# Block 3 has one row (1 thread) and a series per mode: mode s is the box at s - 1.
plot for [s=1:4] datafile index 3 using (s - 1):(m(s)) with boxes lc rgb '#3182bd' \
         title (s > 1 ? "" : text ? "1 new GIL, 2 old GIL, 3 no GIL (atomic), 4 no GIL (plain)" : "median of the rounds"), \
     for [s=1:4] datafile index 3 using (s - 1):(m(s)):(lo(s)):(hi(s)) with yerrorbars lc rgb 'black' pt 0 \
         title (s > 1 ? "" : "spread of the rounds"), \
     for [s=1:4] datafile index 3 using (s - 1):(badm(s)) @circled notitle, \
     @circlekey, \
     1/0 with boxes lc rgb '#9ecae1' title "PEP 703: +5-10% (the band)"
unset object 1
set xlabel font ""
set xtics auto norotate font ""

# ---- 5: calls that release the GIL -------------------------------------------------------
set origin 0.5, mid
set size 0.5, 0.33
set title "5. Calls that release the GIL overlap (new GIL)"
set xlabel "threads, each making the same calls"
eval ylabel("time / 1 thread")
set xtics (1, 2, 4)
set xrange [0.7:4.5]
set yrange [0:*]
@belowkey
if (!text) set key maxcols 2
names = "'I/O, 1 ms calls (seeds 000, 004)' 'native, GIL released (seed 001, 12.9)' 'native, GIL held'"
plot for [s=1:3] datafile index 4 using 1:(m(s)):(lo(s)):(hi(s)) @data pt (2*s + 5) title word(names, s), \
     for [s=1:3] datafile index 4 using 1:(badm(s)) @circled notitle, \
     @circlekey, \
     datafile index 4 using 1:1 @ideal title "one at a time: K"

# ---- 6: a GIL timeline ------------------------------------------------------------------------
set origin 0, 0
set size 1, 0.33
set title "6. Who holds the GIL: 2 CPU + 1 I/O thread (top: new GIL, bottom: old)"
set xlabel "time (ms)"
eval ylabel("")
set xtics auto
set xrange [0:*]
set yrange [-0.7:5.7]
set ytics ("old: I/O" 0, "old: CPU 2" 1, "old: CPU 1" 2, "new: I/O" 3, "new: CPU 2" 4, "new: CPU 1" 5) font ",9"
set key default
set key outside bottom center horizontal font ",9"
row(panel, r) = (panel == 0 ? 5 : 2) - r
plot datafile index 5 using (($4+$3)/2):(row($1,$2)):(($4-$3)/2):($5 == 0 ? 0.35 : 1/0) \
         with boxxyerror fs solid 1.0 noborder lc rgb '#d62728' title "held, then dropped on request / every N ticks", \
     datafile index 5 using (($4+$3)/2):(row($1,$2)):(($4-$3)/2):($5 == 2 ? 0.35 : 1/0) \
         with boxxyerror fs solid 1.0 noborder lc rgb '#7f7f7f' title "held until the end", \
     datafile index 5 using (($4+$3)/2):(row($1,$2)):(($4-$3)/2):($5 == 3 ? 0.08 : 1/0) \
         with boxxyerror fs solid 1.0 noborder lc rgb '#fdae6b' title "waiting for the GIL", \
     datafile index 5 using 3:($5 == 1 ? row($1,$2) - 0.35 : 1/0):(0):(0.7) \
         with vectors nohead lw 2 lc rgb '#2ca02c' title "held (a few us), then released for I/O"

unset multiplot
