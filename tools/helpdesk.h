/* helpdesk.h - what credpolicy reset, compromised and offboard share: who
 * the operator is, checking tickets and free text, and the backends where
 * a change is made besides the ledger (R13-R16):
 *  - a directory account (the ledger has a directory entry for it, made
 *    by credpolicy sync): the directory, through cp_directory_*;
 *  - a local account (its scope applies to this host and /etc/shadow, or
 *    ROOT/etc/shadow under --root, has a line for it): /etc/shadow;
 *  - otherwise none: the ledger alone, which the PAM module enforces. */
#ifndef CP_HELPDESK_H
#define CP_HELPDESK_H

#include "tool.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* Who runs the command, for the event log (R15): SUDO_USER when root runs
 * it through sudo, else the real uid's user name (or "uid=N"). */
const char *helpdesk_operator(void);

/* Check an option's text: valid UTF-8, no control characters (tab allowed
 * when free), 1 to max bytes. On failure prints a usage error naming the
 * option (never its value) and returns EXIT_USAGE; else EXIT_OK. */
int helpdesk_check_text(const char *sub, const char *option, const char *value, size_t max,
                        bool free);

/* The option loop the three commands share. Options with an argument
 * store it through text[c], those without set *flag[c]; -h prints usage
 * to standard output and returns -1; anything else is a usage error of
 * sub (EXIT_USAGE). EXIT_OK when every option was taken. */
struct helpdesk_targets {
	const char **text[128];
	bool *flag[128];
};
int helpdesk_getopt(int argc, char **argv, const char *sub, const char *shortopts,
                    const struct option *longopts, const struct helpdesk_targets *t,
                    void (*usage)(FILE *out));

/* At the end of a command: standard output flushed; a write error (a
 * full disk under HR's redirection) is said and makes status at least
 * EXIT_REJECTED - a report that did not reach its reader must not look
 * like a success. Returns the status. */
int helpdesk_finish_output(int status);

/* malloc'ed printf; NULL when out of memory. Never pass a secret. */
char *helpdesk_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum backend_kind { BACKEND_NONE, BACKEND_LOCAL, BACKEND_DIRECTORY };

/* Stable words: "none", "local", "directory". */
const char *backend_name(enum backend_kind k);

struct backends;

/* root: --root (NULL: /). read_only (--dry-run): /etc/shadow is read
 * without its lock and never written, the directory never opened.
 * Nothing is opened yet. */
struct backends *backends_new(const cp_config *cfg, const char *root, bool read_only);
/* Close; /etc/shadow changes not written by backends_commit are dropped. */
void backends_free(struct backends *b);

/* Where account (name, exact scope) lives. A /etc/shadow that cannot be
 * read makes it -1 with *errmsg: the account may be local. */
int backends_where(struct backends *b, cp_ledger *l, const char *name, const char *scope,
                   enum backend_kind *kind, char **errmsg);

/* Must-change now (reason), lock, a new password (then must-change with
 * reason), a custodian value removed, a departure: in the backend kind
 * says. *changed (may be NULL) says whether anything changed. /etc/shadow
 * changes are written by backends_commit. 0, or -1 with *errmsg. */
int backends_must_change(struct backends *b, enum backend_kind kind, const char *name,
                         const char *reason, bool *changed, char **errmsg);
int backends_lock(struct backends *b, enum backend_kind kind, const char *name, bool *changed,
                  char **errmsg);
/* backends_set_password: *set says whether the password is in place
 * (the directory's: even when the must-change after it failed; the
 * local one once backends_commit wrote it). */
int backends_set_password(struct backends *b, enum backend_kind kind, const char *name,
                          const char *password, const char *reason, bool *set, char **errmsg);
int backends_custodian_remove(struct backends *b, const char *name, const char *employee_id,
                              bool *changed, char **errmsg);
int backends_person_depart(struct backends *b, const char *employee_id, int64_t when, bool *changed,
                           char **errmsg);
/* Write /etc/shadow if it changed. */
int backends_commit(struct backends *b, char **errmsg);
/* Path of the shadow file, for messages. */
const char *backends_shadow_path(const struct backends *b);

#endif
