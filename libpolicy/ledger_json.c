/* ledger_json.c - stub, being written. */
#include "internal.h"
