/* ledger_internal.h - stub */
