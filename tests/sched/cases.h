/* cases.h - the scheduler's test programs (cases.c) and how they fail. */
#ifndef CASES_H
#define CASES_H

void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void case_lost_update(void);
void case_inversion(void);
void case_lost_wakeup(void);
void case_buffer(void);
void case_timeout(void);
void case_spin(void);
void case_spin_forever(void);
void case_spin_two(void);

#endif
