/* kfmd_json.c: the protocol's JSON, parsed in place and written into a growing buffer. */
#include "kfmd_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	char *p;
	int depth;
};

/* deep enough for every message kfmd sends; a deeper line is malformed, not a stack overflow */
#define KJ_MAX_DEPTH 32

static struct kj *parse_value(struct parser *ps);

static void skip_space(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n')
		ps->p++;
}

static struct kj *node(enum kj_type type)
{
	struct kj *n = calloc(1, sizeof(*n));

	if (!n) {
		fputs("kfmd runtime: out of memory\n", stderr);
		exit(70);
	}
	n->type = type;
	return n;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool read_u16(const char *s, unsigned int *out)
{
	unsigned int v = 0;

	for (int i = 0; i < 4; i++) {
		int d = hex_digit(s[i]);

		if (d < 0)
			return false;
		v = v * 16 + (unsigned int)d;
	}
	*out = v;
	return true;
}

static char *put_utf8(char *w, unsigned long cp)
{
	if (cp < 0x80) {
		*w++ = (char)cp;
	} else if (cp < 0x800) {
		*w++ = (char)(0xc0 | (cp >> 6));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*w++ = (char)(0xe0 | (cp >> 12));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*w++ = (char)(0xf0 | (cp >> 18));
		*w++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*w++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*w++ = (char)(0x80 | (cp & 0x3f));
	}
	return w;
}

/* The string at ps->p (past its opening quote), unescaped in place: never longer than its source. */
static const char *parse_string(struct parser *ps)
{
	char *start = ps->p, *w = ps->p;

	for (;;) {
		char c = *ps->p++;
		unsigned int u, lo;

		if (c == '"')
			break;
		if (c == '\0' || (unsigned char)c < 0x20)
			return NULL;
		if (c != '\\') {
			*w++ = c;
			continue;
		}
		switch (*ps->p++) {
		case '"': *w++ = '"'; break;
		case '\\': *w++ = '\\'; break;
		case '/': *w++ = '/'; break;
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case 'u':
			if (!read_u16(ps->p, &u))
				return NULL;
			ps->p += 4;
			if (u >= 0xd800 && u < 0xdc00 && ps->p[0] == '\\' && ps->p[1] == 'u' &&
			    read_u16(ps->p + 2, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				ps->p += 6;
				w = put_utf8(w, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
			} else {
				w = put_utf8(w, u);
			}
			break;
		default:
			return NULL;
		}
	}
	*w = '\0';
	return start;
}

static bool parse_number(struct parser *ps, struct kj *n)
{
	char *s = ps->p;

	if (*ps->p == '-')
		ps->p++;
	if (*ps->p < '0' || *ps->p > '9')
		return false;
	while ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '.' || *ps->p == 'e' || *ps->p == 'E' ||
	       *ps->p == '+' || *ps->p == '-')
		ps->p++;
	n->text = s;
	return true;
}

static bool literal(struct parser *ps, const char *word)
{
	size_t len = strlen(word);

	if (strncmp(ps->p, word, len) != 0)
		return false;
	ps->p += len;
	return true;
}

/* the elements of an array or the members of an object, after its opening bracket */
static bool parse_list(struct parser *ps, struct kj *list, char close, bool members)
{
	struct kj **tail = &list->child;

	skip_space(ps);
	if (*ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		const char *key = NULL;
		struct kj *v;

		skip_space(ps);
		if (members) {
			if (*ps->p++ != '"' || !(key = parse_string(ps)))
				return false;
			skip_space(ps);
			if (*ps->p++ != ':')
				return false;
		}
		v = parse_value(ps);
		if (!v)
			return false;
		v->key = key;
		*tail = v;
		tail = &v->next;
		skip_space(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p++ != close)
			return false;
		return true;
	}
}

static struct kj *parse_value(struct parser *ps)
{
	struct kj *n;
	bool ok;

	skip_space(ps);
	switch (*ps->p) {
	case '{':
	case '[':
		if (++ps->depth > KJ_MAX_DEPTH)
			return NULL;
		n = node(*ps->p == '{' ? KJ_OBJECT : KJ_ARRAY);
		ps->p++;
		ok = parse_list(ps, n, n->type == KJ_OBJECT ? '}' : ']', n->type == KJ_OBJECT);
		ps->depth--;
		break;
	case '"':
		n = node(KJ_STRING);
		ps->p++;
		n->text = parse_string(ps);
		ok = n->text != NULL;
		break;
	case 't':
		n = node(KJ_TRUE);
		ok = literal(ps, "true");
		break;
	case 'f':
		n = node(KJ_FALSE);
		ok = literal(ps, "false");
		break;
	case 'n':
		n = node(KJ_NULL);
		ok = literal(ps, "null");
		break;
	default:
		n = node(KJ_NUMBER);
		ok = parse_number(ps, n);
	}
	if (!ok) {
		kj_free(n);
		return NULL;
	}
	return n;
}

struct kj *kj_parse(char *line)
{
	struct parser ps = { .p = line, .depth = 0 };
	struct kj *v = parse_value(&ps);

	if (!v)
		return NULL;
	skip_space(&ps);
	if (*ps.p != '\0') {
		kj_free(v);
		return NULL;
	}
	return v;
}

void kj_free(struct kj *value)
{
	while (value) {
		struct kj *next = value->next;

		kj_free(value->child);
		free(value);
		value = next;
	}
}

const struct kj *kj_member(const struct kj *object, const char *key)
{
	if (!object || object->type != KJ_OBJECT)
		return NULL;
	for (const struct kj *m = object->child; m; m = m->next)
		if (strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

bool kj_u64(const struct kj *value, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!value || value->type != KJ_NUMBER || value->text[0] == '-')
		return false;
	errno = 0;
	v = strtoull(value->text, &end, 10);
	if (errno || end == value->text || *end == '.' || *end == 'e' || *end == 'E')
		return false;
	*out = v;
	return true;
}

bool kj_bool(const struct kj *value, bool *out)
{
	if (!value || (value->type != KJ_TRUE && value->type != KJ_FALSE))
		return false;
	*out = value->type == KJ_TRUE;
	return true;
}

const char *kj_string(const struct kj *value)
{
	return value && value->type == KJ_STRING ? value->text : NULL;
}

static void reserve(struct kj_buf *b, size_t more)
{
	if (b->len + more + 1 <= b->cap)
		return;
	while (b->len + more + 1 > b->cap)
		b->cap = b->cap ? 2 * b->cap : 256;
	b->data = realloc(b->data, b->cap);
	if (!b->data) {
		fputs("kfmd runtime: out of memory\n", stderr);
		exit(70);
	}
}

void kj_raw(struct kj_buf *b, const char *text)
{
	size_t n = strlen(text);

	reserve(b, n);
	memcpy(b->data + b->len, text, n + 1);
	b->len += n;
}

void kj_printf(struct kj_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void kj_quote(struct kj_buf *b, const char *text)
{
	kj_raw(b, "\"");
	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		if (*s == '"' || *s == '\\')
			kj_printf(b, "\\%c", *s);
		else if (*s < 0x20)
			kj_printf(b, "\\u%04x", *s);
		else
			kj_printf(b, "%c", *s);
	}
	kj_raw(b, "\"");
}
