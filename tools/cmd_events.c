/* cmd_events.c - stub */
#include "tool.h"
int cmd_events(int argc, char **argv) { (void)argc; (void)argv; return 2; }
