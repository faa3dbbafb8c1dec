/* ledger_schema.c - stub, being written. */
#include "internal.h"
