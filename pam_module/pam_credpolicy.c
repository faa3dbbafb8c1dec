/* pam_credpolicy.c - the entry points of pam_credpolicy.so, and nothing else.
 *
 *   password  check the new password (R1-R6); "record": record the change
 *   account   the rotation status of the account (R7-R13)
 *   session   who logged in from where; sharing alerts (R12, R22)
 *
 * pam_credpolicy(8) and docs/PAM.md describe the arguments and the failure
 * modes. Only these four functions are exported (pam_credpolicy.map). */
#include "pam_common.h"

#define CP_PAM_ENTRY __attribute__((visibility("default")))

CP_PAM_ENTRY int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return cp_pam_chauthtok(pamh, flags, argc, argv);
}

CP_PAM_ENTRY int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return cp_pam_acct_mgmt(pamh, flags, argc, argv);
}

CP_PAM_ENTRY int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return cp_pam_session(pamh, flags, argc, argv, true);
}

CP_PAM_ENTRY int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return cp_pam_session(pamh, flags, argc, argv, false);
}
