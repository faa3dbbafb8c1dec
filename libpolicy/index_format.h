/* index_format.h - stub */
