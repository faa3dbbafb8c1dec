/* ldap_conn.h - the directory connection shared by libcredpolicy's
 * directory sync (issue 5) and its directory writes (issue 6): connect and
 * bind as the [ldap] section of credpolicy.conf(5) says, the [ldap_map]
 * attribute of each ledger field, and the entry of an account.
 *
 * Internal to libcredpolicy (not exported, not in credpolicy.h, so that
 * the public header does not depend on <ldap.h>). Messages are translated
 * and name the server, never a password. Every failure the network or the
 * directory causes is CP_ERR_IO with the reason in *errmsg; *errmsg is set
 * to NULL on success, as everywhere in the library. Thread safety: an LDAP
 * handle is used by one thread at a time. As for any libldap program, the
 * process should ignore SIGPIPE: a server that goes away while a request
 * is written would otherwise kill it instead of failing the call. */
#ifndef CP_LDAP_CONN_H
#define CP_LDAP_CONN_H

#include "credpolicy.h"

#include <ldap.h>

/* Connect to the first server of cfg's [ldap] uri list that answers and
 * bind; *out is the bound handle, to be released with ldap_unbind_ext_s.
 * ldap:// gets StartTLS unless starttls = no; ldaps:// TLS at once;
 * certificates are verified against tls_ca (or the system's CAs) unless
 * tls_verify = never. Binds: SASL (sasl_mech EXTERNAL or GSSAPI), else a
 * simple bind as bind_dn with the password in bind_password_file (a
 * regular file owned by root - or by the caller when not root - with no
 * permission for group or others; the password is wiped after the bind),
 * else none (anonymous). Connect and every synchronous call wait at most
 * timeout seconds.
 * Errors: CP_ERR_CONFIG no uri, or bind_dn without bind_password_file;
 * CP_ERR_PERM an unsafe password file; CP_ERR_IO a password file that
 * cannot be read, no server reachable ("cannot reach the directory at
 * URI: ..." for each one tried), TLS refused, or the bind refused;
 * CP_ERR_NOMEM. */
int cp_ldap_connect(const cp_config *cfg, LDAP **out, char **errmsg);
/* Read the connection in large chunks from now on (ldap_readahead.c: a
 * layer under TLS): libldap otherwise polls once and reads twice for every
 * message, 600,000 system calls for a full read of 200,000 entries. */
void cp_ldap_read_ahead(LDAP *ld);
/* The same layer on any socket buffer (tests). */
void cp_sockbuf_read_ahead(Sockbuf *sb);

/* The attribute list (blank-separated, first present wins) that carries
 * field in the directory: [ldap_map] key field or its default. Never NULL
 * for a known field ("employee_id", "display_name", "name", "phone",
 * "birthday", "id_card", "departed", "account_name", "scope", "class",
 * "kind", "owner", "custodian", "otp", "must_change", "reset", "locked",
 * "last_change", "group_name", "group_member", "group_scope"); NULL for
 * another. Owned by cfg. */
const char *cp_ldap_map(const cp_config *cfg, const char *field);

/* The DN of the entry of account (its name in the ledger): a search under
 * account_base (default: base) for account_filter and any of the mapped
 * account_name attributes equal to account (escaped with libldap's
 * ldap_bv2escaped_filter_value). *dn is malloc'ed (free()).
 * CP_ERR_NOTFOUND no such entry; CP_ERR_INVAL several entries, or account
 * not valid text (UTF-8, at most 256 bytes, no control character);
 * CP_ERR_CONFIG no base; CP_ERR_IO the search failed (*errmsg says why). */
int cp_ldap_account_dn(LDAP *ld, const cp_config *cfg, const char *account, char **dn,
                       char **errmsg);

/* The search base of "person", "account" or "group" entries: its own
 * *_base key, else base; NULL when neither is set. Owned by cfg. */
const char *cp_ldap_base(const cp_config *cfg, const char *what);

/* The [ldap] timeout as a struct timeval for ldap_result and searches. */
struct timeval cp_ldap_timeout(const cp_config *cfg);

#endif
