# chart.gp - what every lab's chart shares; each plot.gp loads it first.
# Given by harness/scripts/plots.sh: datafile, cores, source; note (how busy the
# machine was, from the data file), untrusted (1 if a point is marked);
# text (1 for the chart printed in the terminal).

# A data block from harness/testlib/benchkit.c holds x, then for each series s
# (from 1): median of the rounds, smallest, largest, untrusted (0 or 1).
m(s)   = column(4*s - 2)
lo(s)  = column(4*s - 1)
hi(s)  = column(4*s)
bad(s) = column(4*s + 1)
# y of series s when its point is marked, else nothing (for circling it).
badm(s) = bad(s) > 0.5 ? m(s) : NaN

# The data in colour with its spread as error bars; ideal and reference lines
# in black and dashed, plotted last so that they lie above the data; a point
# not to be trusted circled in red.  Use: plot ... @data, ... @ideal
data      = "with yerrorlines lw 2"
ideal     = "with lines dt 2 lw 2 lc rgb 'black'"
circled   = "with points pt 6 ps 3 lw 2 lc rgb 'red'"
# The legend entry for the circles, shown only when some point is circled.
# (a terminal draws the circle as a letter, and has little room: shorter there)
circlekey = untrusted ? "keyentry with points pt 6 ps 3 lw 2 lc rgb 'red' title '" . \
            (text ? "untrusted: median uncertain" : "circled: median uncertain, untrusted") . "'" : "keyentry notitle"

# The legend goes below each panel, never over the data.
set key below vertical maxcols 1 Left reverse noenhanced
# (a terminal draws an error bar's sample a row high: keep it off the x label)
set key height (text ? 2 : 1)
set grid
set datafile missing NaN

# The page's title: the lab, the code charted, the cores, and how busy the
# machine was, on every chart.
page(s) = sprintf("%s (%s, %d cores)\n%s", s, source, cores, note)

# A terminal cannot rotate text, so there the y label goes above the axis,
# on a line of its own below the panel's title, instead of across the plot.
# Use: eval ylabel("seconds")
if (text) set title offset 0, 1
ylabel(s) = text ? sprintf("unset ylabel; set label 90 \"%s\" at graph 0, graph 1 offset -4, 1 left noenhanced", s) \
                 : sprintf("set ylabel \"%s\" noenhanced; unset label 90", s)
# Powers of ten: superscripts in a PNG, 1e3 in a terminal.
logfmt = text ? "1e%T" : "10^{%T}"
