/* ledger.c - stub, being written. */
#include "internal.h"
