/*
 * Line numbers of an agent's terminal (see histnum.h): tmux's, moving with
 * the output, and stable ones, which do not.
 */
#include "config.h"

#include "histnum.h"

int64_t
histnum_stable(const struct histnum *h, int64_t rel)
{
	return h->dropped + h->size + rel;
}

int64_t
histnum_tmux(const struct histnum *h, int64_t stable)
{
	return stable - h->dropped - h->size;
}

int64_t
histnum_first(const struct histnum *h)
{
	return h->dropped;
}

int64_t
histnum_last(const struct histnum *h)
{
	return h->dropped + h->size + h->rows - 1;
}

int64_t
histnum_index(const struct histnum *h, int64_t n)
{
	if (n < histnum_first(h) || n > histnum_last(h))
		return -1;
	return n - h->dropped;
}

static int64_t
clamp(const struct histnum *h, int64_t n)
{
	if (n < histnum_first(h))
		return histnum_first(h);
	if (n > histnum_last(h))
		return histnum_last(h);
	return n;
}

int
histnum_range(const struct histnum *h, const int64_t *start, const int64_t *end, const char *op,
              int64_t *first, int64_t *last, struct df_error *err)
{
	if (start != NULL && end != NULL && *start > *end)
		return df_error_set(err, DF_FATAL, DF_E_INVALID_ARGUMENT,
		                    "%s: start %lld is after end %lld", op, (long long)*start,
		                    (long long)*end);
	*first = start != NULL ? clamp(h, histnum_stable(h, *start)) : histnum_first(h);
	*last = end != NULL ? clamp(h, histnum_stable(h, *end)) : histnum_last(h);
	return 0;
}
