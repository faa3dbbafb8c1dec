/* util.c - wiping, error messages, UTF-8 validation and translation. */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cp_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		explicit_bzero(p, n);
}

void cp_free_wiped(void *p, size_t len)
{
	if (p == NULL)
		return;
	cp_wipe(p, len);
	free(p);
}

void cp_free_secret(char *s)
{
	if (s != NULL)
		cp_free_wiped(s, strlen(s));
}

__attribute__((format(printf, 1, 0))) static char *cp_vasprintf(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

char *cp_asprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = cp_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void cp_set_errmsg(char **errmsg, const char *fmt, ...)
{
	if (errmsg == NULL)
		return;
	free(*errmsg);
	va_list ap;
	va_start(ap, fmt);
	*errmsg = cp_vasprintf(fmt, ap);
	va_end(ap);
}

/* Length of the UTF-8 sequence starting with lead byte c, 0 if c cannot
 * start one. */
static unsigned utf8_seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

long cp_utf8_validate(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	long count = 0;
	size_t i = 0;
	while (i < len) {
		unsigned n = utf8_seq_len(p[i]);
		if (n == 0 || p[i] == 0 || i + n > len)
			return -1;
		for (unsigned k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return -1;
		/* Overlong 3- and 4-byte forms, surrogates, beyond U+10FFFF. */
		if ((p[i] == 0xe0 && p[i + 1] < 0xa0) || (p[i] == 0xed && p[i + 1] > 0x9f) ||
		    (p[i] == 0xf0 && p[i + 1] < 0x90) || (p[i] == 0xf4 && p[i + 1] > 0x8f))
			return -1;
		i += n;
		count++;
	}
	return count;
}

static pthread_once_t bind_once = PTHREAD_ONCE_INIT;

static void bind_domain(void)
{
	/* secure_getenv: a set-uid passwd must not take catalogues (whose
	 * strings are format strings) from a directory the caller chose. */
	const char *dir = secure_getenv("CREDPOLICY_LOCALEDIR");
	bindtextdomain(PACKAGE, dir != NULL && *dir != '\0' ? dir : LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
}

const char *cp_gettext(const char *msgid)
{
	pthread_once(&bind_once, bind_domain);
	return dgettext(PACKAGE, msgid);
}

const char *cp_ngettext(const char *singular, const char *plural, unsigned long n)
{
	pthread_once(&bind_once, bind_domain);
	return dngettext(PACKAGE, singular, plural, n);
}

CP_EXPORT const char *cp_version(void)
{
	return PACKAGE_VERSION;
}

CP_EXPORT const char *cp_strerror(int err)
{
	switch (err) {
	case CP_OK:
		return _("Success");
	case CP_ERR_NOMEM:
		return _("Out of memory");
	case CP_ERR_INVAL:
		return _("Invalid argument");
	case CP_ERR_IO:
		return _("Input/output error");
	case CP_ERR_CONFIG:
		return _("Invalid configuration");
	case CP_ERR_INDEX_CORRUPT:
		return _("The banned-password index is damaged or truncated");
	case CP_ERR_INDEX_VERSION:
		return _("The banned-password index has an unsupported format version");
	case CP_ERR_UTF8:
		return _("Input is not valid UTF-8 text");
	case CP_ERR_NOTFOUND:
		return _("Not found");
	case CP_ERR_UNICODE:
		return _("Unicode processing failed");
	case CP_ERR_TOOLONG:
		return _("Input is too long");
	case CP_ERR_PERM:
		return _("Unsafe file permissions or ownership");
	case CP_ERR_LEDGER:
		return _("The ledger is damaged, not a ledger, or of another schema version");
	case CP_ERR_BUSY:
		return _("The ledger is locked by another process");
	case CP_ERR_TAMPERED:
		return _("The event log does not verify: an event was changed, removed or inserted");
	default:
		return _("Unknown error");
	}
}
