/* labstate.h - a lab's grading, carried from the process that graded it to the one that reports. */
#ifndef LABSTATE_H
#define LABSTATE_H

#include <stdbool.h>

#include "grade.h"

/* An unnamed file for one lab's state, close-on-exec; -1 if the file system
 * makes none (then the grader grades one lab at a time). */
int lab_state_file(void);

/* Write lab's tests and findings to fd (from its start); false if that failed. */
bool lab_state_save(struct lab *lab, int fd);

/* Read what lab_state_save wrote to fd into lab (whose name is already set);
 * false if it is missing or cut short. */
bool lab_state_load(struct lab *lab, int fd);

#endif
