/* passgen.h - temporary passwords for helpdesk resets (R14). */
#ifndef CP_PASSGEN_H
#define CP_PASSGEN_H

#include "credpolicy.h"

/* A temporary password that passes ck for class_name and person (R1-R5:
 * the account's class, its owners' personal information): libpwquality's
 * generator (entropy from the kernel, getrandom(2)), checked with
 * cp_check and drawn again until it passes. *out is malloc'ed; wipe it
 * with explicit_bzero before free. Returns 0, or -1 with *errmsg
 * (translated, never the password). */
int passgen_generate(const cp_checker *ck, const cp_config *cfg, const char *class_name,
                     const cp_person *person, char **out, char **errmsg);

#endif
