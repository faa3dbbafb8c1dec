/* tool.h - shared by the credpolicy command's subcommands. */
#ifndef CP_TOOL_H
#define CP_TOOL_H

#include "config.h"
#include "credpolicy.h"
#include <libintl.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The tool owns its process: it sets the text domain in main(). */
#define _(s) gettext(s)
#define N_(s) (s)

/* Exit statuses, GNU style. */
enum { EXIT_OK = 0, EXIT_REJECTED = 1, EXIT_USAGE = 2 };

/* Each subcommand: argv[0] is the subcommand's name. Returns an exit status. */
int cmd_check(int argc, char **argv);
int cmd_dict(int argc, char **argv);
int cmd_ledger(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_sync(int argc, char **argv);        /* issue 5 */
int cmd_reset(int argc, char **argv);       /* issue 6 */
int cmd_compromised(int argc, char **argv); /* issue 6 */
int cmd_offboard(int argc, char **argv);    /* issue 6 */
int cmd_report(int argc, char **argv);      /* issue 7 */
int cmd_review(int argc, char **argv);      /* issue 7 */

/* A subcommand of a command ("dict build", "ledger import"). */
struct tool_subcommand {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the subcommand */
};
/* Run the subcommand argv[1] of cmd, or show usage (-h, --help, none) or
 * an error for an unknown one; returns an exit status. */
int tool_dispatch(const char *cmd, const struct tool_subcommand *subs, size_t n,
                  void (*usage)(FILE *out), int argc, char **argv);

/* Program name for messages ("credpolicy"). */
extern const char *tool_name;

/* "credpolicy: message\n" on stderr; printf-style. Never pass a secret. */
void tool_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: message, then "Try 'credpolicy SUB --help'", returns EXIT_USAGE. */
int tool_usage_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* After getopt_long returned '?': name the option it did not take and
 * return EXIT_USAGE. */
int tool_option_error(const char *sub, char **argv);
/* Bind the message catalogue (honours $CREDPOLICY_LOCALEDIR). */
void tool_init_i18n(void);
/* Print --version text to stdout. */
void tool_version(void);

/* Load the configuration: path from --config, else $CREDPOLICY_CONF, else
 * the default path (a missing default file means the built-in policy).
 * On error prints "file:line: ..." and returns NULL. */
cp_config *tool_load_config(const char *path);

/* Open the ledger (path NULL: the configured one); on failure say why (and
 * how to create a missing one) and return NULL. */
cp_ledger *tool_open_ledger(const cp_config *cfg, const char *path, unsigned flags);

/* Read one line of at most max bytes from f into a malloc'ed, NUL-
 * terminated buffer without the newline; *len gets its length.
 * Returns 1 on a line, 0 at EOF, -1 if the line is longer than max (the
 * rest of the line is consumed and wiped), -2 if it contains a NUL byte.
 * The buffer must be released with cp_free_secret-like wiping (tool_free_line). */
int tool_read_line(FILE *f, size_t max, char **line, size_t *len);
void tool_free_line(char *line, size_t len);
/* Prompt on the terminal and read a line with echo off. Same results. */
int tool_read_secret_tty(const char *prompt, size_t max, char **line, size_t *len);

/* Write s as a JSON string literal (with quotes) to f. */
void tool_json_string(FILE *f, const char *s);

/* A UTC moment, "YYYY-MM-DD" (midnight) or "YYYY-MM-DDTHH:MM:SSZ", after
 * the epoch, into *out; false for anything else (February 30th). */
bool tool_parse_date(const char *s, int64_t *out);

/* Progress display on stderr, only when stderr is a terminal. */
typedef struct tool_progress {
	bool enabled;
	const char *what;
	unsigned long long last_shown;
	double started;
} tool_progress;
void tool_progress_start(tool_progress *p, const char *what, bool quiet);
void tool_progress_update(tool_progress *p, unsigned long long done);
void tool_progress_end(tool_progress *p, unsigned long long done);

#endif
