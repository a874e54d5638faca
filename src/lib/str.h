/*
 * Small string helpers that several layers need: sorting string pointers,
 * a hex digit's value, freeing a NULL-terminated vector of strings.
 */
#ifndef DEVFLOW_STR_H
#define DEVFLOW_STR_H

/* qsort comparator for an array of char * (strcmp order). */
int str_cmp_ptr(const void *a, const void *b);

/* The value of the hex digit c (either case), or -1. */
int str_hexval(int c);

/* Free a NULL-terminated vector of strings and each string in it; NULL is fine. */
void str_vec_free(char **v);

#endif
