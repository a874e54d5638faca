/*
 * approve-latency: how long from `approve` to the next phase's prompt in
 * front of the agent. For each of N runs (one per branch of REPO, started
 * beforehand and waiting at the plan gate) it subscribes to the run's
 * events, takes t0, sends the approve decision, and on the implement
 * phase's session.started event subscribes to that session's screen; t1 is
 * the first screen frame showing the pasted prompt ("[pasted N lines]", the
 * fake agent's echo of a bracketed paste). It prints each latency and the
 * median, with the moments of the reply and of session.started.
 *
 * Usage: approve-latency WORKSPACE RUN...
 */
#include "config.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uuid/uuid.h>

#include "proto/client.h"
#include "proto/proto.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
pasted(const cJSON *msg)
{
	struct proto_screen ps = { 0 };
	int hit = 0;

	if (proto_screen_parse(msg, &ps, NULL) == 0)
		for (size_t i = 0; i < ps.nrows && !hit; i++)
			for (size_t j = 0; j < ps.rowv[i].nspans && !hit; j++)
				hit = strstr(ps.rowv[i].spans[j].text, "[pasted") != NULL;
	proto_screen_free(&ps);
	return hit;
}

static int
measure(struct client *c, const char *run, double *lat, double *reply_ms, double *started_ms)
{
	struct df_error err;
	cJSON *a = cJSON_CreateObject();
	char token[37];
	uuid_t u;
	uint64_t id;
	double t0;
	char sess[256] = "";

	cJSON_AddStringToObject(a, "topic", "events");
	cJSON_AddStringToObject(a, "run_id", run);
	if (client_call(c, "subscribe", a, NULL, &err) != 0) {
		fprintf(stderr, "subscribe: %s\n", err.message);
		return -1;
	}
	cJSON_Delete(a);
	uuid_generate_random(u);
	uuid_unparse_lower(u, token);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "run", run);
	cJSON_AddStringToObject(a, "action", "approve");
	cJSON_AddStringToObject(a, "token", token);
	t0 = now_ms();
	if (client_send(c, "decide", a, &id, &err) != 0)
		return -1;
	cJSON_Delete(a);
	for (;;) {
		struct proto_msg m;
		struct pollfd p = { client_fd(c), client_poll_events(c), 0 };

		while (client_pop(c, &m) == 1) {
			if (m.kind == PROTO_MSG_REPLY && m.id == id) {
				*reply_ms = now_ms() - t0;
				if (!m.ok) {
					fprintf(stderr, "approve: %s\n", m.error.message);
					proto_msg_clear(&m);
					return -1;
				}
			} else if (m.kind == PROTO_MSG_EVENT && sess[0] == '\0') {
				struct proto_event ev;

				if (proto_event_parse(m.json, &ev, NULL) == 0 &&
				    strcmp(ev.type, "session.started") == 0) {
					const cJSON *sid = cJSON_GetObjectItemCaseSensitive(
					    ev.payload, "sessionId");

					*started_ms = now_ms() - t0;
					snprintf(sess, sizeof(sess), "%s", sid->valuestring);
					a = cJSON_CreateObject();
					cJSON_AddStringToObject(a, "topic", "screen");
					cJSON_AddStringToObject(a, "session", sess);
					client_send(c, "subscribe", a, NULL, &err);
					cJSON_Delete(a);
				}
			} else if (m.kind == PROTO_MSG_SCREEN && pasted(m.json)) {
				*lat = now_ms() - t0;
				proto_msg_clear(&m);
				a = cJSON_CreateObject();
				cJSON_AddStringToObject(a, "topic", "screen");
				cJSON_AddStringToObject(a, "session", sess);
				client_call(c, "unsubscribe", a, NULL, &err);
				cJSON_Delete(a);
				return 0;
			}
			proto_msg_clear(&m);
		}
		if (now_ms() - t0 > 30000) {
			fprintf(stderr, "%s: no pasted prompt within 30 s\n", run);
			return -1;
		}
		poll(&p, 1, 1000);
		if (p.revents && client_handle(c, p.revents, &err) != 0) {
			fprintf(stderr, "connection: %s\n", err.message);
			return -1;
		}
	}
}

int
main(int argc, char **argv)
{
	struct client_opts o = { 0 };
	struct df_error err;
	struct client *c;
	double *lat;
	int n = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: approve-latency WORKSPACE RUN...\n");
		return 64;
	}
	o.workspace = argv[1];
	o.name = "approve-latency";
	if ((c = client_connect(&o, &err)) == NULL) {
		fprintf(stderr, "approve-latency: %s\n", err.message);
		return 1;
	}
	lat = calloc((size_t)argc, sizeof(*lat));
	for (int i = 2; i < argc; i++) {
		double reply = 0, started = 0;

		if (measure(c, argv[i], &lat[n], &reply, &started) != 0)
			return 1;
		printf("run %.8s: approve reply %.1f ms, session.started %.1f ms, prompt on the "
		       "agent's screen %.1f ms\n",
		       argv[i], reply, started, lat[n]);
		n++;
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp);
	printf("approve-latency: %d runs, median %.1f ms, min %.1f ms, max %.1f ms\n", n,
	       lat[n / 2], lat[0], lat[n - 1]);
	free(lat);
	client_free(c);
	return 0;
}
