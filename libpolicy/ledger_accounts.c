/* ledger_accounts.c - stub, being written. */
#include "internal.h"
