/* cmd_check.c - stub */
#include "tool.h"
int cmd_check(int argc, char **argv) { (void)argc; (void)argv; return 2; }
