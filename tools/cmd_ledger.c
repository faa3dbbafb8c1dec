/* cmd_ledger.c - stub */
#include "tool.h"
int cmd_ledger(int argc, char **argv) { (void)argc; (void)argv; return 2; }
