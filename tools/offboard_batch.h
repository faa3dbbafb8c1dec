/* offboard_batch.h - the leavers of credpolicy offboard --batch (HR's
 * system, through tools/hr-offboard): CSV lines
 * "employee_id,effective_date,reason,ticket" (an optional header line,
 * blank lines and # comments skipped, fields may be "quoted") or a JSON
 * array of objects with those four keys. */
#ifndef CP_OFFBOARD_BATCH_H
#define CP_OFFBOARD_BATCH_H

#include "tool.h"

#include <stdint.h>

struct leaver {
	char *employee_id, *date, *ticket; /* date "" or YYYY-MM-DD */
	cp_offboard_reason reason;
	unsigned record; /* line (CSV) or element (JSON), from 1 */
};

/* Check one leaver's fields; a translated problem, or NULL if fine. */
const char *leaver_problem(const char *employee_id, const char *date, const char *reason,
                           const char *ticket);

/* Read every leaver of the batch file (- for standard input). Everything
 * is checked first: any problem is printed with its record number and
 * the batch is refused as a whole (EXIT_USAGE, nothing to free). */
int batch_read(const char *file, struct leaver **out, size_t *n);
void batch_free(struct leaver *v, size_t n);

/* The effective date as the departure time: 0 for today or no date (now),
 * local midnight of a past date; *future when the date is after today. */
int64_t leaver_when(const char *date, bool *future);

#endif
