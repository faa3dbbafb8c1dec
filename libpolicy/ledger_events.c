/* ledger_events.c - stub, being written. */
#include "internal.h"
