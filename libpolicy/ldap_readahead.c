/* ldap_readahead.c - a read-ahead layer for libldap's socket buffer.
 *
 * libldap reads a message's header and its body with two read(2) calls,
 * after a poll(2), under the TLS layer: three system calls for every entry
 * of a search, 600,000 for a full read of 200,000 entries. A layer between
 * TLS and the socket that reads 64 KiB at a time makes them about 6,000.
 *
 * liblber has one (ber_sockbuf_io_readahead, written for UDP), but when its
 * setup runs out of memory it stays linked without its buffer, and the
 * next read, or the connection's teardown, dereferences NULL; its removal
 * also fails, leaking it, whenever read-ahead data is left unread (an
 * abandoned search). This one passes everything through when it has no
 * buffer, and always lets go of it. */
#include "internal.h"
#include "ldap_conn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AHEAD_BYTES 65536

struct ahead {
	size_t start, end; /* what was read and not yet taken */
	char buf[AHEAD_BYTES];
};

static int ahead_setup(Sockbuf_IO_Desc *d, void *arg)
{
	(void)arg;
	struct ahead *a = malloc(sizeof(*a));
	if (a == NULL)
		return -1; /* linked anyway, without a buffer: it passes through */
	a->start = a->end = 0;
	d->sbiod_pvt = a;
	return 0;
}

/* The buffer may hold directory data in clear (ldaps:// ends TLS above
 * it, but ldapi:// or an unencrypted link would not): wiped. */
static int ahead_remove(Sockbuf_IO_Desc *d)
{
	if (d->sbiod_pvt != NULL)
		cp_free_wiped(d->sbiod_pvt, sizeof(struct ahead));
	d->sbiod_pvt = NULL;
	return 0;
}

static ber_slen_t ahead_read(Sockbuf_IO_Desc *d, void *buf, ber_len_t len)
{
	struct ahead *a = d->sbiod_pvt;
	if (a == NULL || (a->start == a->end && len >= AHEAD_BYTES))
		return LBER_SBIOD_READ_NEXT(d, buf, len);
	if (a->start == a->end) {
		ber_slen_t n;
		do
			n = LBER_SBIOD_READ_NEXT(d, a->buf, AHEAD_BYTES);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return n; /* end of the stream, or the error (errno kept) */
		a->start = 0;
		a->end = (size_t)n;
	}
	size_t k = a->end - a->start < len ? a->end - a->start : len;
	memcpy(buf, a->buf + a->start, k);
	a->start += k;
	return (ber_slen_t)k;
}

static ber_slen_t ahead_write(Sockbuf_IO_Desc *d, void *buf, ber_len_t len)
{
	return LBER_SBIOD_WRITE_NEXT(d, buf, len);
}

/* libldap asks before it polls: data read ahead is data ready. */
static int ahead_ctrl(Sockbuf_IO_Desc *d, int opt, void *arg)
{
	const struct ahead *a = d->sbiod_pvt;
	if (opt == LBER_SB_OPT_DATA_READY && a != NULL && a->start != a->end)
		return 1;
	return LBER_SBIOD_CTRL_NEXT(d, opt, arg);
}

static int ahead_close(Sockbuf_IO_Desc *d)
{
	(void)d;
	return 0; /* the socket below closes; the buffer goes with ahead_remove */
}

static Sockbuf_IO ahead_io = {
    ahead_setup, ahead_remove, ahead_ctrl, ahead_read, ahead_write, ahead_close,
};

/* Below the TLS layer, above the socket: the layers are ordered by level,
 * and a new one goes above those of its own level. Its failure (out of
 * memory) leaves the connection working as it was. */
void cp_sockbuf_read_ahead(Sockbuf *sb)
{
	(void)ber_sockbuf_add_io(sb, &ahead_io, LBER_SBIOD_LEVEL_PROVIDER, NULL);
}

void cp_ldap_read_ahead(LDAP *ld)
{
	Sockbuf *sb = NULL;
	if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sb) == LDAP_OPT_SUCCESS && sb != NULL)
		cp_sockbuf_read_ahead(sb);
}
