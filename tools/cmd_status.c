/* cmd_status.c - stub */
#include "tool.h"
int cmd_status(int argc, char **argv) { (void)argc; (void)argv; return 2; }
