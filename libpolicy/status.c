/* status.c - stub, being written. */
#include "internal.h"
