/* cmd_dict.c - stub */
#include "tool.h"
int cmd_dict(int argc, char **argv) { (void)argc; (void)argv; return 2; }
