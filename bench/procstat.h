/*
 * What the benchmarks read of their own process: a field of
 * /proc/self/status (VmRSS, VmHWM), shared by session-throughput and
 * screen-rss.
 */
#ifndef DEVFLOW_BENCH_PROCSTAT_H
#define DEVFLOW_BENCH_PROCSTAT_H

/* The field's value in KiB ("VmRSS"), or -1 when it cannot be read. */
long procstat_kib(const char *field);

#endif
