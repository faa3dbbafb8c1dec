/* ledger_history.c - stub, being written. */
#include "internal.h"
