/* forge-records.c - the forging attack, for any lab: the kit's own checks
 * (tests/checks/) append it to the first student file of each lab's
 * skeleton (and the platforms' checks to the first lab's), and every one
 * must score 0, flagged, with feedback that names the constructor.  Before
 * the build vetted the student's objects it scored 90/90 on lab 01's
 * skeleton (100/100 with the hidden tests): a constructor runs before
 * main, in the runner's own process, while the runner holds the record
 * channel, and writes a pass for every test the grader asks for (its
 * --only list). */
#include <stdio.h>
#include <string.h>

__attribute__((constructor)) static void forge_records(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--only"))
            for (char *p = argv[i + 1], *end; *p; p = *end ? end + 1 : end)
                dprintf(3, "%.*s\tpass\t0.01\tok\n", (int)((end = strchrnul(p, ',')) - p), p);
}
