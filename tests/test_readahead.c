/* test_readahead.c - the read-ahead layer under libldap's TLS layer
 * (libpolicy/ldap_readahead.c), on a socket buffer over a pipe: BER
 * messages come out whole and in order however they were cut when
 * written, data read ahead counts as ready (libldap then does not poll),
 * the end of the stream is seen, and the layer lets go of its buffer even
 * when data is left unread (valgrind runs this test). */
#include "config.h"

#include "sync_internal.h"
#include "testutil.h"

#include <string.h>
#include <unistd.h>

static int fds[2];
static Sockbuf *sb;

static void setup(void)
{
	ck_assert_int_eq(pipe(fds), 0);
	sb = ber_sockbuf_alloc();
	ck_assert_ptr_nonnull(sb);
	ck_assert_int_eq(
	    ber_sockbuf_add_io(sb, &ber_sockbuf_io_fd, LBER_SBIOD_LEVEL_PROVIDER, &fds[0]), 0);
	cp_sockbuf_read_ahead(sb);
}

static void teardown(void)
{
	ber_sockbuf_free(sb); /* closes fds[0] */
	if (fds[1] >= 0)
		close(fds[1]);
}

/* One BER SEQUENCE { INTEGER n, OCTET STRING text } into out. */
static size_t message(int n, const char *text, char *out, size_t room)
{
	BerElement *ber = ber_alloc_t(LBER_USE_DER);
	struct berval *bv = NULL;
	ck_assert_int_ge(ber_printf(ber, "{is}", n, text), 0);
	ck_assert_int_ge(ber_flatten(ber, &bv), 0);
	ck_assert_uint_le(bv->bv_len, room);
	memcpy(out, bv->bv_val, bv->bv_len);
	size_t len = bv->bv_len;
	ber_bvfree(bv);
	ber_free(ber, 1);
	return len;
}

/* The next message from sb: its number and text (ber_get_next takes the
 * SEQUENCE header, as libldap reads an LDAPMessage). */
static int next(char *text, size_t room)
{
	BerElement *ber = ber_alloc_t(0);
	ber_len_t len = 0;
	ck_assert_uint_eq(ber_get_next(sb, &len, ber), LBER_SEQUENCE);
	ber_int_t n = -1;
	struct berval t = {0};
	ck_assert_uint_ne(ber_scanf(ber, "im", &n, &t), LBER_ERROR);
	ck_assert_uint_lt(t.bv_len, room);
	memcpy(text, t.bv_val, t.bv_len);
	text[t.bv_len] = '\0';
	ber_free(ber, 1);
	return n;
}

START_TEST(test_messages_in_order)
{
	char wire[4096], text[256];
	size_t len = 0;
	for (int i = 0; i < 20; i++)
		len += message(i, i % 2 ? "张伟" : "cn=admin,dc=example", wire + len,
		               sizeof(wire) - len);
	/* Written in odd pieces: a message may end anywhere in a read. */
	for (size_t off = 0; off < len; off += 7)
		ck_assert_int_eq(write(fds[1], wire + off, len - off < 7 ? len - off : 7),
		                 (ssize_t)(len - off < 7 ? len - off : 7));
	close(fds[1]);
	fds[1] = -1;
	for (int i = 0; i < 20; i++) {
		ck_assert_int_eq(next(text, sizeof(text)), i);
		ck_assert_str_eq(text, i % 2 ? "张伟" : "cn=admin,dc=example");
		/* After the first message the rest was read ahead: ready. */
		if (i < 19)
			ck_assert_int_eq(ber_sockbuf_ctrl(sb, LBER_SB_OPT_DATA_READY, NULL), 1);
	}
	/* Then the end of the stream: no message. */
	BerElement *ber = ber_alloc_t(0);
	ber_len_t blen = 0;
	ck_assert_uint_eq(ber_get_next(sb, &blen, ber), LBER_DEFAULT);
	ber_free(ber, 1);
}
END_TEST

/* An abandoned search leaves data read ahead: freeing the buffer still
 * lets it go (valgrind: no leak). */
START_TEST(test_unread_data_freed)
{
	char wire[256], text[64];
	size_t len = message(1, "one", wire, sizeof(wire));
	len += message(2, "two", wire + len, sizeof(wire) - len);
	ck_assert_int_eq(write(fds[1], wire, len), (ssize_t)len);
	ck_assert_int_eq(next(text, sizeof(text)), 1);
	ck_assert_int_eq(ber_sockbuf_ctrl(sb, LBER_SB_OPT_DATA_READY, NULL), 1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *su = suite_create("readahead");
	TCase *tc = tcase_create("layer");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_messages_in_order);
	tcase_add_test(tc, test_unread_data_freed);
	suite_add_tcase(su, tc);
	return su;
}

CP_TEST_MAIN(make_suite)
