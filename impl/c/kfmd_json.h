/*
 * The JSON the kfmd protocol needs: a parser for the harness's lines (in place, into a small tree)
 * and a growing buffer to write the implementation's lines. Internal to the runtime.
 */
#ifndef KFMD_JSON_H
#define KFMD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum kj_type { KJ_NULL, KJ_FALSE, KJ_TRUE, KJ_NUMBER, KJ_STRING, KJ_ARRAY, KJ_OBJECT };

struct kj {
	enum kj_type type;
	/* the member's name inside an object */
	const char *key;
	/* a string's unescaped text; a number's token (not terminated) */
	const char *text;
	/* first element or member, and the next sibling */
	struct kj *child;
	struct kj *next;
};

/* Parses one JSON value from `line`, which it overwrites (strings are unescaped in place). NULL if malformed. */
struct kj *kj_parse(char *line);
void kj_free(struct kj *value);

/* an object's member, or NULL */
const struct kj *kj_member(const struct kj *object, const char *key);
/* a non-negative integer that fits in 64 bits */
bool kj_u64(const struct kj *value, uint64_t *out);
bool kj_bool(const struct kj *value, bool *out);
/* a string's text, or NULL */
const char *kj_string(const struct kj *value);

struct kj_buf {
	char *data;
	size_t len;
	size_t cap;
};

void kj_raw(struct kj_buf *b, const char *text);
void kj_printf(struct kj_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* a quoted, escaped JSON string */
void kj_quote(struct kj_buf *b, const char *text);

#endif /* KFMD_JSON_H */
