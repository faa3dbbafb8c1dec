/* offboard_batch.c - reading HR's batch of leavers (see offboard_batch.h).
 *
 * The whole batch is checked before anything is done: a typo in line 40
 * must not leave lines 1-39 offboarded and 41-100 not, with HR unsure
 * which. JSON is parsed strictly by jansson (duplicate keys refused);
 * CSV is the simple kind HR exports: comma-separated, double quotes
 * around a field that needs them, "" for a quote inside. */
#include "offboard_batch.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_MAX_BYTES ((size_t)16 << 20)

static bool text_valid(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* YYYY-MM-DD naming a real day: digits where digits go (sscanf alone
 * would take " 202-01-01" or "+202-01-01"). */
static bool date_valid(const char *d)
{
	int y, m, day;
	if (strlen(d) != 10 || strspn(d, "0123456789") != 4 || d[4] != '-' ||
	    strspn(d + 5, "0123456789") != 2 || d[7] != '-' || strspn(d + 8, "0123456789") != 2 ||
	    sscanf(d, "%4d-%2d-%2d", &y, &m, &day) != 3)
		return false;
	struct tm tm = {
	    .tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = day, .tm_hour = 12, .tm_isdst = -1};
	time_t t = mktime(&tm);
	return t != (time_t)-1 && tm.tm_year == y - 1900 && tm.tm_mon == m - 1 && tm.tm_mday == day;
}

const char *leaver_problem(const char *employee_id, const char *date, const char *reason,
                           const char *ticket)
{
	if (employee_id == NULL || !text_valid(employee_id, 256))
		return _("the employee id is missing or not valid text");
	if (date != NULL && *date != '\0' && !date_valid(date))
		return _("the effective date is not a date of the form YYYY-MM-DD");
	if (reason == NULL || (strcmp(reason, "departure") != 0 && strcmp(reason, "transfer") != 0))
		return _("the reason must be departure or transfer");
	if (ticket == NULL || !text_valid(ticket, 1024))
		return _("the ticket is missing or not valid text");
	return NULL;
}

int64_t leaver_when(const char *date, bool *future)
{
	*future = false;
	if (date == NULL || *date == '\0')
		return 0;
	char today[16];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	int c = strcmp(date, today); /* same layout: compares as dates */
	*future = c > 0;
	if (c >= 0)
		return 0;
	struct tm d = {.tm_isdst = -1};
	sscanf(date, "%4d-%2d-%2d", &d.tm_year, &d.tm_mon, &d.tm_mday);
	d.tm_year -= 1900;
	d.tm_mon -= 1;
	time_t t = mktime(&d);
	return t > 0 ? (int64_t)t : 1;
}

void batch_free(struct leaver *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		free(v[i].employee_id);
		free(v[i].date);
		free(v[i].ticket);
	}
	free(v);
}

/* Append a checked leaver; false (message printed) when it has a problem. */
static bool add(struct leaver **v, size_t *n, unsigned record, const char *const f[4],
                const char *what)
{
	const char *problem = leaver_problem(f[0], f[1], f[2], f[3]);
	if (problem != NULL) {
		tool_error(_("%s %u: %s"), what, record, problem);
		return false;
	}
	struct leaver *nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (nv == NULL)
		return false;
	*v = nv;
	struct leaver *l = &nv[(*n)++];
	l->employee_id = strdup(f[0]);
	l->date = strdup(f[1] != NULL ? f[1] : "");
	l->ticket = strdup(f[3]);
	l->reason = strcmp(f[2], "transfer") == 0 ? CP_OFFBOARD_TRANSFER : CP_OFFBOARD_DEPARTURE;
	l->record = record;
	return l->employee_id != NULL && l->date != NULL && l->ticket != NULL;
}

/* ------------------------------------------------------------ JSON */

/* One element: an object whose four keys, when present, are strings. A
 * key of another type is refused, not read as absent: an effective date
 * sent as a number must not become "today". */
static bool json_leaver(json_t *o, unsigned record, struct leaver **v, size_t *n)
{
	static const char *const keys[4] = {"employee_id", "effective_date", "reason", "ticket"};
	const char *f[4] = {NULL, NULL, NULL, NULL};
	if (!json_is_object(o)) {
		tool_error(_("element %u: not an object"), record);
		return false;
	}
	for (int k = 0; k < 4; k++) {
		json_t *value = json_object_get(o, keys[k]);
		if (value != NULL && !json_is_string(value)) {
			tool_error(_("element %u: %s must be a string"), record, keys[k]);
			return false;
		}
		f[k] = json_string_value(value);
	}
	return add(v, n, record, f, _("element"));
}

static int read_json(const char *buf, size_t len, struct leaver **v, size_t *n)
{
	json_error_t err;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL || !json_is_array(root)) {
		if (root == NULL)
			tool_error(_("batch: line %d: %s"), err.line, err.text);
		else
			tool_error(_("batch: a JSON batch is an array of objects"));
		json_decref(root);
		return EXIT_USAGE;
	}
	bool ok = true;
	for (size_t i = 0; i < json_array_size(root); i++)
		ok = json_leaver(json_array_get(root, i), (unsigned)i + 1, v, n) && ok;
	json_decref(root);
	return ok ? EXIT_OK : EXIT_USAGE;
}

/* ------------------------------------------------------------ CSV */

/* Cut the next field off *p (a line, modified in place); *p becomes NULL
 * after the last one. NULL when none is left, or on a bad quote (*bad). */
static char *csv_field(char **p, bool *bad)
{
	char *s = *p;
	if (s == NULL)
		return NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '"') {
		char *c = strchr(s, ',');
		*p = c != NULL ? c + 1 : NULL;
		if (c != NULL)
			*c = '\0';
		for (char *e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = '\0';
		return s;
	}
	char *start = ++s, *out = start;
	for (; *s != '"' || s[1] == '"'; s++) {
		if (*s == '\0') {
			*bad = true;
			*p = NULL;
			return NULL;
		}
		if (*s == '"')
			s++; /* "" is one quote */
		*out++ = *s;
	}
	for (s++; *s == ' ' || *s == '\t'; s++)
		;
	if (*s != ',' && *s != '\0') {
		*bad = true;
		*p = NULL;
		return NULL;
	}
	*p = *s == ',' ? s + 1 : NULL;
	*out = '\0';
	return start;
}

static bool csv_line(char *line, unsigned lineno, bool first, struct leaver **v, size_t *n)
{
	char *p = line;
	const char *f[5] = {NULL, NULL, NULL, NULL, NULL};
	bool bad = false;
	int k = 0;
	for (char *field; k < 5 && (field = csv_field(&p, &bad)) != NULL;)
		f[k++] = field;
	if (first && f[0] != NULL && strcmp(f[0], "employee_id") == 0)
		return true; /* the header */
	if (bad || k != 4) {
		tool_error(
		    _("line %u: expected 4 fields: employee_id,effective_date,reason,ticket"),
		    lineno);
		return false;
	}
	return add(v, n, lineno, f, _("line"));
}

static int read_csv(char *buf, struct leaver **v, size_t *n)
{
	bool ok = true, first = true;
	unsigned lineno = 0;
	/* Line by line, empty ones included, so that a number in a message
	 * is the line HR sees in the file. */
	for (char *line = buf, *next = NULL; line != NULL && *line != '\0'; line = next) {
		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		size_t len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		if (line[strspn(line, " \t")] == '\0' || line[strspn(line, " \t")] == '#')
			continue;
		ok = csv_line(line, lineno, first, v, n) && ok;
		first = false;
	}
	return ok ? EXIT_OK : EXIT_USAGE;
}

/* ------------------------------------------------------------ reading */

static char *slurp(const char *file, size_t *len)
{
	bool is_stdin = strcmp(file, "-") == 0;
	FILE *f = is_stdin ? stdin : fopen(file, "re");
	if (f == NULL) {
		tool_error(_("cannot open %s: %s"), file, strerror(errno));
		return NULL;
	}
	char *buf = malloc(BATCH_MAX_BYTES + 1);
	*len = buf != NULL ? fread(buf, 1, BATCH_MAX_BYTES + 1, f) : 0;
	bool err = buf == NULL || ferror(f);
	if (!is_stdin)
		fclose(f);
	if (err || *len > BATCH_MAX_BYTES) {
		tool_error(err ? _("cannot read %s") : _("%s: the batch is larger than 16 MiB"),
		           file);
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

int batch_read(const char *file, struct leaver **out, size_t *n)
{
	size_t len = 0;
	*out = NULL;
	*n = 0;
	char *buf = slurp(file, &len);
	if (buf == NULL)
		return EXIT_USAGE;
	int status;
	if (memchr(buf, '\0', len) != NULL) {
		tool_error(_("%s: the batch contains a NUL byte"), file);
		status = EXIT_USAGE;
	} else if (buf[strspn(buf, " \t\r\n")] == '[') {
		status = read_json(buf, len, out, n);
	} else {
		status = read_csv(buf, out, n);
	}
	free(buf);
	if (status == EXIT_OK && *n == 0) {
		tool_error(_("%s: the batch names nobody"), file);
		status = EXIT_USAGE;
	}
	if (status != EXIT_OK) {
		batch_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return status;
}
