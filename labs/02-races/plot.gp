# plot.gp - lab 02's chart.  The caller sets the terminal; harness/scripts/chart.gp gives the rest.
load 'harness/scripts/chart.gp'
set multiplot layout 1,2 title page("Lab 02: races")

set title "Racy x += 1: updates lost (bars: all the rounds)"
set logscale x 10
set format x logfmt
set xlabel "increments per thread"
eval ylabel("% of updates lost")
set yrange [0:100]
set xrange [0.5:*]
# Where both lines lie at 0 one would hide the other: each is moved a little
# sideways (x / 1.15 and x * 1.15 on the log axis) and drawn in its own dash.
plot datafile index 0 using ($1/1.15):(m(1)):(lo(1)):(hi(1)) @data pt 7 title "2 threads (shifted left)", \
     datafile index 1 using ($1*1.15):(m(1)):(lo(1)):(hi(1)) @data dt 2 pt 5 title "4 threads (shifted right)"

set title "Cost of one increment, all threads together"
unset logscale x
set format x "%g"
set logscale y 10
set format y "%g"
set xlabel "threads"
eval ylabel("ns per increment (log)")
set xtics (1, 2, 4, 8)
set xrange [0.5:8.5]
set yrange [*:*]
plot datafile index 2 using 1:(m(2)):(lo(2)):(hi(2)) @data pt 7 title "atomic (fetch_add)", \
     datafile index 2 using 1:(m(1)):(lo(1)):(hi(1)) @data pt 5 title "racy (load + store, wrong)", \
     datafile index 2 using 1:(m(3)):(lo(3)):(hi(3)) @data pt 9 title "confined (count, then add up)", \
     for [s=1:3] datafile index 2 using 1:(badm(s)) @circled notitle, \
     @circlekey
unset multiplot
