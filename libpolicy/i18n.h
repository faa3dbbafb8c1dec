/* i18n.h - message translation for libcredpolicy and its tools.
 * The library never calls textdomain(): it translates from its own domain
 * with dgettext, so it cannot disturb the application that loads it. */
#ifndef CP_I18N_H
#define CP_I18N_H

#include <libintl.h>

/* Binds the "credpolicy" domain once (thread-safe) and translates. */
const char *cp_gettext(const char *msgid) __attribute__((format_arg(1)));
const char *cp_ngettext(const char *singular, const char *plural, unsigned long n)
	__attribute__((format_arg(1))) __attribute__((format_arg(2)));

#define _(s) cp_gettext(s)
#define N_(s) (s)

#endif
