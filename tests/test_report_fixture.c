/* test_report_fixture.c - states of a ledger that neither the JSON import
 * nor a command makes, for tests/test_report.sh, made through the public
 * API as their real writers make them:
 *
 *   test_report_fixture LEDGER owner-add NAME SCOPE EMPLOYEE_ID
 *       a second owner of a personal account (R12: shared), as the LDAP
 *       sync records a second claim;
 *   test_report_fixture LEDGER alert ACCOUNT RHOST OTHERS [refused]
 *       a "sharing_alert" event with the detail pam_credpolicy's session
 *       hook writes (pam_module/pam_session.c);
 *   test_report_fixture LEDGER person-name EMPLOYEE_ID NAME
 *       a display name the import would not take as a name (it derives
 *       pinyin tokens from it) but a directory may hold: "<script>",
 *       "=cmd|..." - what the HTML and CSV reports must escape.
 *
 * Without arguments it tests itself on a scratch ledger (it is in TESTS_C,
 * so it runs alone too). Exit 0 on success, 1 on failure. */
#include "config.h" /* first: feature macros */

#include "credpolicy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(const char *what, int rc)
{
	fprintf(stderr, "test_report_fixture: %s: %s\n", what, cp_strerror(rc));
	return 1;
}

static int owner_add(cp_ledger *l, char **argv)
{
	int rc = cp_ledger_owner_add(l, argv[0], argv[1], argv[2], "test");
	return rc == CP_OK ? 0 : fail("owner-add", rc);
}

static int alert(cp_ledger *l, int argc, char **argv)
{
	char detail[512];
	bool refused = argc > 3 && strcmp(argv[3], "refused") == 0;
	snprintf(detail, sizeof detail, "service=sshd tty=ssh rhost=%s pid=%ld others=%s%s",
	         argv[1], (long)getpid(), argv[2], refused ? " refused" : "");
	int rc = cp_ledger_event_add(l, "sharing_alert", argv[0], NULL, "pam_credpolicy(sshd)",
	                             NULL, detail);
	return rc == CP_OK ? 0 : fail("alert", rc);
}

static int person_name(cp_ledger *l, char **argv)
{
	int rc = cp_ledger_person_put(l, argv[0], argv[1], NULL, "test");
	return rc == CP_OK ? 0 : fail("person-name", rc);
}

static int run(const char *path, int argc, char **argv)
{
	cp_config *cfg = cp_config_new_default();
	cp_ledger *l = NULL;
	char *msg = NULL;
	int rc = cfg != NULL ? cp_ledger_open(cfg, path, CP_LEDGER_CREATE, &l, &msg) : CP_ERR_NOMEM;
	int status = 1;
	if (rc != CP_OK)
		fprintf(stderr, "test_report_fixture: %s: %s\n", path,
		        msg != NULL ? msg : cp_strerror(rc));
	else if (argc == 4 && strcmp(argv[0], "owner-add") == 0)
		status = owner_add(l, argv + 1);
	else if (argc == 3 && strcmp(argv[0], "person-name") == 0)
		status = person_name(l, argv + 1);
	else if ((argc == 4 || argc == 5) && strcmp(argv[0], "alert") == 0)
		status = alert(l, argc - 1, argv + 1);
	else
		fprintf(stderr, "test_report_fixture: bad arguments\n");
	free(msg);
	cp_ledger_close(l);
	cp_config_free(cfg);
	return status;
}

static int count_alerts(const cp_event *ev, void *ctx)
{
	if (strcmp(cp_event_kind(ev), "sharing_alert") == 0 &&
	    strstr(cp_event_detail(ev), "rhost=10.0.0.9 ") != NULL)
		(*(int *)ctx)++;
	return 0;
}

/* Both commands on a scratch ledger, and what they wrote. */
static int self_test(void)
{
	char dir[] = "/tmp/cp-test-report-fixture.XXXXXX", path[64];
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof path, "%s/l.db", dir);
	cp_config *cfg = cp_config_new_default();
	cp_ledger *l = NULL;
	int status = cp_ledger_open(cfg, path, CP_LEDGER_CREATE, &l, NULL) == CP_OK &&
	                     cp_ledger_person_put(l, "E1", "A", NULL, "t") == CP_OK &&
	                     cp_ledger_person_put(l, "E2", "B", NULL, "t") == CP_OK &&
	                     cp_ledger_account_put(l, "ops", NULL, NULL, CP_ACCOUNT_PERSONAL, "E1",
	                                           false, "t") == CP_OK
	                 ? 0
	                 : 1;
	cp_ledger_close(l);
	char o0[] = "owner-add", o1[] = "ops", o2[] = "*", o3[] = "E2";
	char a0[] = "alert", a2[] = "10.0.0.9", a3[] = "1";
	char *owner[] = {o0, o1, o2, o3}, *al[] = {a0, o1, a2, a3};
	status = status != 0 || run(path, 4, owner) != 0 || run(path, 4, al) != 0;
	cp_account *a = NULL;
	int alerts = 0;
	if (status == 0 && cp_ledger_open(cfg, path, 0, &l, NULL) == CP_OK) {
		status = cp_ledger_account_get(l, "ops", "h", &a) != CP_OK ||
		         cp_account_owner_count(a) != 2 ||
		         cp_ledger_events(l, 0, count_alerts, &alerts) != CP_OK || alerts != 1;
		cp_account_free(a);
		cp_ledger_close(l);
	}
	cp_config_free(cfg);
	unlink(path);
	rmdir(dir);
	printf("%s - test_report_fixture self-test\n", status == 0 ? "ok 1" : "not ok 1");
	return status;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return self_test();
	if (argc < 3) {
		fprintf(stderr, "usage: %s LEDGER owner-add|alert|person-name ...\n", argv[0]);
		return 1;
	}
	return run(argv[1], argc - 2, argv + 2);
}
