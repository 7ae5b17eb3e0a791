/*
 * The simulated gog's output: JSON as Go's encoding/json writes it for
 * outfmt.WriteJSON, tables as text/tabwriter aligns them, and errors as
 * ui.Printer.Error prints them (see gog-sim.c for the sources followed).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "compat.h"
#include "buf.h"
#include "util.h"
#include "gog-sim.h"

static void	 go_json_string(FILE *, const char *, size_t);
static void	 go_indent(FILE *, int);
static int	 key_order(const void *, const void *);
static void	 go_json_object(FILE *, json_t *, int, int, json_t *);
static void	 go_json_value(FILE *, json_t *, int, json_t *);
static size_t	 cell_width(const char *);

/* ---- output (Go's encoding/json and text/tabwriter) ----------------- */


/*
 * A string as encoding/json writes it with SetEscapeHTML(false): '"'
 * and '\\' escaped, \b \f \n \r \t by name, other control characters
 * as \u00xx, U+2028 and U+2029 escaped, bytes that are not UTF-8 as
 * \ufffd; '<', '>' and '&' as they are.
 */
static void
go_json_string(FILE *f, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i, n;

	(void)fputc('"', f);
	for (i = 0; i < len; i += n) {
		n = 1;
		switch (p[i]) {
		case '"':
			(void)fputs("\\\"", f);
			continue;
		case '\\':
			(void)fputs("\\\\", f);
			continue;
		case '\b':
			(void)fputs("\\b", f);
			continue;
		case '\f':
			(void)fputs("\\f", f);
			continue;
		case '\n':
			(void)fputs("\\n", f);
			continue;
		case '\r':
			(void)fputs("\\r", f);
			continue;
		case '\t':
			(void)fputs("\\t", f);
			continue;
		default:
			break;
		}
		if (p[i] < 0x20) {
			(void)fprintf(f, "\\u00%c%c", hex[p[i] >> 4],
			    hex[p[i] & 0xf]);
			continue;
		}
		if (p[i] < 0x80) {
			(void)fputc(p[i], f);
			continue;
		}
		n = (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3 :
		    (p[i] & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0 || i + n > len || !util_utf8_valid(s + i, n)) {
			(void)fputs("\\ufffd", f);
			n = 1;
			continue;
		}
		if (n == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
			(void)fprintf(f, "\\u202%c", p[i + 2] == 0xa8 ? '8' :
			    '9');
			continue;
		}
		(void)fwrite(p + i, 1, n, f);
	}
	(void)fputc('"', f);
}

static void
go_indent(FILE *f, int depth)
{
	int	i;

	(void)fputc('\n', f);
	for (i = 0; i < depth; i++)
		(void)fputs("  ", f);
}

static int
key_order(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * An object: with sorted keys, as encoding/json writes a map and as
 * the Gmail API structs come out (their fields are declared in the
 * order of their JSON names); in its own order when it is an element
 * of keep (a gog struct such as a search result row, fields in
 * declaration order).
 */
static void
go_json_object(FILE *f, json_t *o, int depth, int sorted, json_t *keep)
{
	const char	**keys, *k;
	json_t		 *v;
	size_t		  n = json_object_size(o), i = 0;

	if (n == 0) {
		(void)fputs("{}", f);
		return;
	}
	keys = xcalloc(n, sizeof(*keys));
	json_object_foreach(o, k, v)
		keys[i++] = k;
	if (sorted)
		qsort(keys, n, sizeof(*keys), key_order);
	(void)fputc('{', f);
	for (i = 0; i < n; i++) {
		go_indent(f, depth + 1);
		go_json_string(f, keys[i], strlen(keys[i]));
		(void)fputs(": ", f);
		go_json_value(f, json_object_get(o, keys[i]), depth + 1, keep);
		if (i + 1 < n)
			(void)fputc(',', f);
	}
	go_indent(f, depth);
	(void)fputc('}', f);
	free(keys);
}

static void
go_json_value(FILE *f, json_t *v, int depth, json_t *keep)
{
	json_t	*e;
	size_t	 i, n;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		go_json_object(f, v, depth, 1, keep);
		break;
	case JSON_ARRAY:
		if ((n = json_array_size(v)) == 0) {
			(void)fputs("[]", f);
			break;
		}
		(void)fputc('[', f);
		json_array_foreach(v, i, e) {
			go_indent(f, depth + 1);
			if (v == keep && json_is_object(e))
				go_json_object(f, e, depth + 1, 0, keep);
			else
				go_json_value(f, e, depth + 1, keep);
			if (i + 1 < n)
				(void)fputc(',', f);
		}
		go_indent(f, depth);
		(void)fputc(']', f);
		break;
	case JSON_STRING:
		go_json_string(f, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		(void)fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		(void)fprintf(f, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		(void)fputs("true", f);
		break;
	case JSON_FALSE:
		(void)fputs("false", f);
		break;
	case JSON_NULL:
	default:
		(void)fputs("null", f);
		break;
	}
}

/*
 * outfmt.WriteJSON (internal/outfmt/outfmt.go): a json.Encoder with
 * SetEscapeHTML(false) and SetIndent("", "  "), so one indented
 * document and a newline.
 */
void
print_json(json_t *v, json_t *keep)
{
	go_json_value(stdout, v, 0, keep);
	(void)fputc('\n', stdout);
}

/* The width text/tabwriter gives a cell: its UTF-8 characters. */
static size_t
cell_width(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/*
 * A table as gog prints it (tableWriter, internal/cmd/output_helpers.go):
 * with --plain the cells joined by tabs; else through
 * tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0), which pads every
 * cell but the last of a line to its column's widest cell plus two
 * spaces.  rows is an array of arrays of strings, the header first.
 */
void
print_table(json_t *rows, int plain)
{
	json_t		*row, *cell;
	size_t		*width = NULL, ncols = 0, i, j, w;
	const char	*s;

	json_array_foreach(rows, i, row)
		if (json_array_size(row) > ncols)
			ncols = json_array_size(row);
	width = xcalloc(ncols + 1, sizeof(*width));
	json_array_foreach(rows, i, row)
		json_array_foreach(row, j, cell)
			if (j + 1 < json_array_size(row) &&
			    (w = cell_width(json_string_value(cell))) >
			    width[j])
				width[j] = w;
	json_array_foreach(rows, i, row) {
		json_array_foreach(row, j, cell) {
			s = json_string_value(cell);
			(void)fputs(s, stdout);
			if (j + 1 == json_array_size(row))
				break;
			if (plain)
				(void)fputc('\t', stdout);
			else
				for (w = cell_width(s); w < width[j] + 2; w++)
					(void)fputc(' ', stdout);
		}
		(void)fputc('\n', stdout);
	}
	free(width);
}

/* Errors: one line on stderr, as ui.Printer.Error prints it. */
int
fail(int code, const char *msg, const char *arg)
{
	(void)fprintf(stderr, "%s%s%s\n", msg, arg != NULL ? " " : "",
	    arg != NULL ? arg : "");
	return code;
}
