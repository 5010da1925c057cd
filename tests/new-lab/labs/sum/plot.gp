# plot.gp - the chart.  The caller sets the terminal; harness/scripts/chart.gp gives the rest.
load 'harness/scripts/chart.gp'
set title page("A sum on K threads")
set xlabel "threads K"
set xtics 1
set xrange [0.5:4.5]
set yrange [0:*]
eval ylabel("seconds")
plot datafile index 0 using 1:(m(1)):(lo(1)):(hi(1)) @data pt 7 title "wall time", \
     datafile index 0 using 1:(badm(1)) @circled notitle, \
     @circlekey
