/*
 * todo.h - how an unfinished skeleton fails.
 *
 * A skeleton body calls NOT_IMPLEMENTED(x, y), naming the parameters and
 * helpers it does not use yet (so the compiler does not warn of them).
 * Under the grader that fails the current test with "not implemented:
 * <function> (<file>:<line>)"; in a timing driver it prints the same line
 * and exits, so nothing hangs and the student sees exactly which function is
 * still missing.
 */
#ifndef TODO_H
#define TODO_H

/* The arguments after line are never read: passing them is what uses them. */
_Noreturn void not_implemented(const char *function, const char *file, int line, ...);

/* __VA_OPT__ (C23's, which gcc >= 8 and clang >= 12 take under -std=c11
 * too) drops the comma when a body has nothing to name: NOT_IMPLEMENTED(). */
#define NOT_IMPLEMENTED(...) not_implemented(__func__, __FILE__, __LINE__ __VA_OPT__(,) __VA_ARGS__)

#endif
