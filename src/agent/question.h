/*
 * The questions an agent CLI asks that a person can answer without
 * attaching: a backend's screen.questions (devflow/backend@1), each a
 * pattern that tells the question on the screen's last lines and the
 * answers it offers — the key a person presses (a digit or a letter), a
 * label, and the keys sent to the agent (screen_send_keys syntax). One
 * parser serves the catalog (which reports a bad definition by its JSON
 * path) and the session driver (which finds the question on screen and
 * sends an answer's keys). No notion of runs or of the engine.
 */
#ifndef DEVFLOW_QUESTION_H
#define DEVFLOW_QUESTION_H

#include <regex.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "lib/error.h"

/* The most answers one question offers. */
#define QUESTION_MAX_ANSWERS 10

struct question_answer {
	char *key;   /* one digit or lowercase letter: what a person presses */
	char *label; /* e.g. "Yes", "Always", "No" */
	char *send;  /* the keys sent to the agent (screen_send_keys syntax) */
};

struct question_def {
	char *match; /* the pattern, as written */
	regex_t re;
	struct question_answer *answers;
	size_t nanswers;
};

struct question_set {
	struct question_def *v;
	size_t n;
};

/*
 * Read a screen.questions array (NULL: no questions) into *out, checking
 * what the schema cannot: each match compiles (lib/ere bounds), each send
 * is a valid key list, keys are unique within a question. where names the
 * array in errors ("/screen/questions"); a bad element is
 * DF_E_CATALOG_INVALID naming its path ("/screen/questions/0/answers/2/send:
 * ..."). Returns 0, or -1 with err (*out is then empty). Free with
 * question_set_free.
 */
int question_set_parse(const cJSON *questions, const char *where, struct question_set *out,
                       struct df_error *err);
void question_set_free(struct question_set *qs);

/*
 * The first question whose pattern matches text (the last lines of a
 * screen), or NULL. With a question found and text_out non-NULL,
 * *text_out is the question's own text: the lines of text the pattern
 * matches, trimmed of blanks and box borders, joined with a space (the
 * caller frees).
 */
const struct question_def *question_find(const struct question_set *qs, const char *text,
                                         char **text_out);

/* The answer of q with this key, or NULL. */
const struct question_answer *question_answer(const struct question_def *q, const char *key);

/* q's answer keys joined with ", " ("1, 2, 3") into a new string (the caller frees). */
char *question_keys(const struct question_def *q);

#endif
