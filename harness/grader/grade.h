/* grade.h - what the grader knows about a lab's tests, and how it reports. */
#ifndef GRADE_H
#define GRADE_H

#include <stdbool.h>

struct test {
    char *name;
    int points;
    double timeout_s;
    bool hidden;
    char *look_at;
    /* filled in by grading */
    bool passed;
    char *output;      /* feedback for the student; NULL when passed */
    char *note;        /* a passing test's note (lab_test_note), or NULL */
    double seconds;
};

struct lab {
    char *name;
    struct test *tests;
    int ntests;
    char *build_errors;   /* set when the student's code did not compile */
    /* Set when every test scores 0 for what the code did, not for what it
     * got wrong: "refused" (the vetting found what no lab needs, vet.c) or
     * "tampered" (the records were not the runner's); `flagged` says what
     * was found and where, a finding a line. */
    const char *flag;
    char *flagged;
    char *warnings;       /* the compiler's warnings on the student's files, or NULL */
    char *review;         /* what the vetting flagged for review (costs nothing), or NULL */
    /* Hidden tests this kit does not have (a student's handout), from the
     * points table of the lab's handout: "| 3 hidden tests | 10 |". */
    int handout_hidden_tests, handout_hidden_points;
};

struct grading {
    struct lab *labs;
    int nlabs;
    double seconds;
    bool show_hidden;     /* instructors: print hidden tests in the terminal */
    const char *sandbox;  /* how student code was isolated, in words */
    const char *out;      /* where results.json and the rest are written */
};

int lab_score(const struct lab *lab, bool hidden);
int lab_max(const struct lab *lab, bool hidden);

int write_results_json(const struct grading *g, const char *path);
int write_results_tsv(const struct grading *g, const char *path);
int write_junit_xml(const struct grading *g, const char *path);
void print_summary(const struct grading *g);
void print_autolab(const struct grading *g);

#endif
