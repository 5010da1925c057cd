/*
 * todo.h - how an unfinished skeleton fails.
 *
 * A skeleton body calls NOT_IMPLEMENTED().  Under the grader that fails the
 * current test with "not implemented: <function> (<file>:<line>)"; in a
 * timing driver it prints the same line and exits, so nothing hangs and the
 * student sees exactly which function is still missing.
 */
#ifndef TODO_H
#define TODO_H

_Noreturn void not_implemented(const char *function, const char *file, int line);

#define NOT_IMPLEMENTED() not_implemented(__func__, __FILE__, __LINE__)

#endif
