/* pam_credpolicy.c - stub, being written (issue 4). */
#include <security/pam_modules.h>
