/* shadow_backend.h - local accounts: the password, the forced change and
 * the lock as pam_unix reads them, in /etc/shadow (or DIR/etc/shadow when
 * the command runs with --root DIR: tests never touch the real file).
 *
 * Usage: shadow_open (takes the lock, reads the file), any number of
 * changes in memory, shadow_commit (one atomic replace), shadow_close
 * (releases the lock, wipes every copy of the file). */
#ifndef CP_SHADOW_BACKEND_H
#define CP_SHADOW_BACKEND_H

#include <stdbool.h>

struct shadow_file;

/* Lock (lckpwdf(3) for the real /etc, the same fcntl lock on
 * DIR/etc/.pwd.lock under a root) and read the file. root NULL or "/"
 * means the real file. ROOT itself may be a symbolic link (the operator
 * named it), ROOT/etc and ROOT/etc/shadow may not: the directory is
 * opened once and every later step (lock, read, new file, rename, sync)
 * works relative to it, so that swapping a path component in between
 * cannot redirect the write to another file. A file with a NUL byte is
 * refused (it could not be written back byte for byte). read_only (a dry
 * run): neither the lock is taken nor its file created, and
 * shadow_commit refuses to write. On failure *errmsg (malloc'ed,
 * translated) says why; returns 0 or -1. */
int shadow_open(const char *root, bool read_only, struct shadow_file **out, char **errmsg);
/* Path of the file, for messages. */
const char *shadow_path(const struct shadow_file *s);
/* Whether name has a line. */
bool shadow_has(const struct shadow_file *s, const char *name);
/* pam_unix forces a change when the last change (field 3) is 0: set it.
 * *changed when it was not already 0. -1 with *errmsg for an unknown
 * name or a damaged line. */
int shadow_must_change(struct shadow_file *s, const char *name, bool *changed, char **errmsg);
/* Lock like usermod -L -e 1: "!" before the hash, and the account
 * expired since day 1 (field 8), which usermod(8) advises so that logins
 * without a password (SSH keys) are refused too; usermod -U -e '' undoes
 * it. */
int shadow_lock(struct shadow_file *s, const char *name, bool *changed, char **errmsg);
/* A new hash of password (libxcrypt, the host's preferred method), and
 * the forced change. An account locked with "!" is refused (-1, nothing
 * changed): a reset does not unlock, and a password behind a lock would
 * be handed out for nothing. */
int shadow_set_password(struct shadow_file *s, const char *name, const char *password,
                        char **errmsg);
/* Write the changes, if any: a new file beside it with the same owner,
 * mode and security label (the security.selinux attribute, copied as
 * it is: no libselinux needed, and a label that cannot be copied fails
 * the commit rather than leave a shadow unreadable to unix_chkpwd),
 * fsync, rename over the old one, fsync of the directory. */
int shadow_commit(struct shadow_file *s, char **errmsg);
/* Unlock and wipe; NULL is fine. */
void shadow_close(struct shadow_file *s);

#endif
