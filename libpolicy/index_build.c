/* index_build.c - stub, being written. */
#include "internal.h"
