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

/*
 * The first occurrence of needle (non-empty) in hay, as less -i and vim's
 * smartcase search: ASCII letters match either case unless needle holds an
 * uppercase one ("error" finds "Error", "Error" not "error"); other bytes
 * match exactly. Returns the byte offset, or -1 when there is none.
 */
long str_search(const char *hay, const char *needle);

#endif
