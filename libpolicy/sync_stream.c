/* sync_stream.c - a whole read applied while it is read: --full's paged
 * searches, and a host's first content synchronization (no cookie yet,
 * sync_rfc4533.c).
 *
 * Reading 200,000 entries costs the process about as much as writing them
 * costs SQLite, and neither has to wait for the other: a reader thread
 * runs the searches and turns each entry into a record (libldap's
 * decoding, the value checks, the personal tokens) while this thread
 * writes the records read so far - in ONE transaction, as every sync, so
 * that an interrupted sync leaves the ledger as it was.
 *
 * The reader hands records over through a bounded queue and waits when
 * the writer is behind. The writer applies people, then accounts, then
 * groups, in the order they are read; what needs the whole read of a kind
 * waits for the end of that kind: deletions (sync_batch.c) and a record
 * whose key another entry holds (SYNC_DEFERRED: whether that entry is gone
 * is known only then).
 *
 * The reader owns the LDAP handle until it has ended; the ledger, the log
 * and the progress callbacks stay on this thread. */
#include "ledger_internal.h"
#include "sync_internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QUEUE_MAX 65536 /* records the reader may be ahead by */
#define WAKE_AT   1024  /* records that wake the writer */
#define APPLY_AT  20000 /* records gathered before they are applied (sorted) */

struct item {
	enum sync_kind kind;
	bool end;        /* the read of kind is over (no record) */
	char *key, *val; /* not NULL: state to store with the batch (no record) */
	int rc;          /* sync_entry_parse's */
	struct sync_rec r;
	char *problem;
};

struct queue {
	struct cp_sync *s;
	sync_source_fn source;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct item *v; /* the reader fills v; the writer swaps it for w */
	struct item *w;
	size_t max, wake, apply_at; /* QUEUE_MAX, WAKE_AT, APPLY_AT, or less for tests */
	size_t n;
	size_t ends;       /* end items in v */
	unsigned stall_ms; /* the longest the writer waits for the reader ... */
	bool locked;       /* ... once it holds the ledger's write lock */
	bool stop;         /* the writer failed: the reader gives up */
	bool done;         /* the reader has ended, with rc and errmsg */
	int rc;
	char *errmsg;
};

static void item_clear(struct item *it)
{
	if (!it->end && it->key == NULL)
		sync_rec_clear(&it->r);
	free(it->problem);
	free(it->key);
	free(it->val);
	it->problem = it->key = it->val = NULL;
}

/* ------------------------------------------------------------ the reader */

static int push(struct queue *q, struct item *it)
{
	pthread_mutex_lock(&q->mu);
	while (q->n == q->max && !q->stop)
		pthread_cond_wait(&q->room, &q->mu);
	bool stop = q->stop;
	if (!stop) {
		q->v[q->n++] = *it;
		q->ends += it->end;
		if (q->n % q->wake == 0 || it->end)
			pthread_cond_signal(&q->more);
	}
	pthread_mutex_unlock(&q->mu);
	if (stop)
		item_clear(it);
	return stop ? CP_ERR_IO : CP_OK; /* the writer's error is the one reported */
}

static int reader_take(void *ctx, enum sync_kind kind, const struct sync_entry *e)
{
	struct queue *q = ctx;
	struct item it = {.kind = kind};
	it.rc = sync_entry_parse(&q->s->map, q->s->cfg, kind, e, e->uuid, &it.r, &it.problem);
	if (it.rc != CP_OK && it.rc != CP_ERR_INVAL) { /* out of memory: the read fails */
		int rc = it.rc;
		item_clear(&it);
		return rc;
	}
	return push(q, &it);
}

static int reader_keep(void *ctx, const char *key, const char *val)
{
	struct item it = {.key = strdup(key), .val = strdup(val)};
	if (it.key == NULL || it.val == NULL) {
		item_clear(&it);
		return CP_ERR_NOMEM;
	}
	return push(ctx, &it);
}

static void *reader(void *arg)
{
	struct queue *q = arg;
	const struct sync_sink to = {reader_take, reader_keep, q};
	char *msg = NULL;
	int rc = CP_OK;
	/* Before the first entry, rather than at the first Chinese name: the
	 * writer may hold the ledger's lock by then, and ICU takes 0.1 s. */
	cp_pinyin_prepare();
	if (q->s->ld != NULL)
		cp_ldap_read_ahead(q->s->ld);
	for (int k = 0; rc == CP_OK && k < SK_COUNT; k++) {
		rc = q->source(q->s, (enum sync_kind)k, &to, &msg);
		struct item end = {.kind = (enum sync_kind)k, .end = true};
		if (rc == CP_OK)
			rc = push(q, &end);
	}
	pthread_mutex_lock(&q->mu);
	q->done = true;
	q->rc = rc;
	q->errmsg = msg;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* ------------------------------------------------------------ the writer */

static struct timespec deadline(unsigned ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

/* What the reader has queued, swapped into q->w (*n items); *done when
 * the reader has ended and nothing more will come. The writer holds the
 * ledger's write lock while it waits, and every password change on this
 * host waits for that lock (busy_timeout_ms): a directory that sends
 * nothing for stall_ms fails the sync instead (false). */
static bool take_queued(struct queue *q, size_t *n, bool *done)
{
	struct timespec until = deadline(q->stall_ms);
	pthread_mutex_lock(&q->mu);
	while (q->n < q->wake && q->ends == 0 && !q->done)
		if (!q->locked)
			pthread_cond_wait(&q->more, &q->mu);
		else if (pthread_cond_timedwait(&q->more, &q->mu, &until) == ETIMEDOUT) {
			if (q->n == 0 && !q->done) {
				pthread_mutex_unlock(&q->mu);
				return false;
			}
			break; /* slow, not stalled: what there is */
		}
	struct item *full = q->v;
	q->v = q->w;
	q->w = full;
	*n = q->n;
	*done = q->done && q->n == 0;
	q->n = 0;
	q->ends = 0;
	pthread_cond_signal(&q->room);
	pthread_mutex_unlock(&q->mu);
	return true;
}

/* The records gathered so far, in the order of directory_entries. */
static int apply_gathered(struct cp_sync *s, struct sync_batch *b, uint64_t *done)
{
	int rc = CP_OK;
	sync_batch_sort(b);
	for (int k = 0; rc == CP_OK && k < SK_COUNT; k++)
		rc = sync_batch_apply_kind(s, b, (enum sync_kind)k, done);
	for (size_t i = 0; i < b->nrecs; i++)
		sync_rec_clear(&b->recs[i]);
	b->nrecs = 0;
	return rc;
}

/* The read of kind is over: what waited for it. */
static int end_of_kind(struct cp_sync *s, struct sync_batch *b, enum sync_kind kind, uint64_t *done,
                       char **errmsg)
{
	int rc = apply_gathered(s, b, done);
	b->reading[kind] = false;
	b->complete[kind] = true;
	if (rc == CP_OK)
		rc = sync_batch_undefer(b, kind);
	if (rc == CP_OK)
		rc = apply_gathered(s, b, done);
	if (rc == CP_OK && kind == SK_ACCOUNT)
		rc = sync_batch_groups_next(s, b, errmsg);
	return rc;
}

/* One item into b: a record (moved), the state that goes with the batch,
 * or the end of a kind's read. */
static int write_item(struct cp_sync *s, struct sync_batch *b, struct item *it, uint64_t *done,
                      char **errmsg)
{
	if (it->end)
		return end_of_kind(s, b, it->kind, done, errmsg);
	if (it->key != NULL) {
		int rc = sync_batch_state(b, it->key, it->val);
		item_clear(it);
		return rc;
	}
	int rc = sync_batch_take(s, b, it->kind, it->rc, &it->r, it->problem);
	it->problem = NULL;
	return rc;
}

static int write_items(struct queue *q, struct sync_batch *b, size_t n, uint64_t *done,
                       char **errmsg)
{
	struct item *v = q->w;
	int rc = CP_OK;
	for (size_t i = 0; i < n; i++) {
		if (rc != CP_OK) {
			item_clear(&v[i]);
			continue;
		}
		rc = write_item(q->s, b, &v[i], done, errmsg);
		if (rc == CP_OK && b->nrecs >= q->apply_at)
			rc = apply_gathered(q->s, b, done);
	}
	return rc;
}

/* The transaction starts with the first records: connecting, the first
 * page and ICU's rules (sync_stream_full) are waited for without the lock. */
static int lock_ledger(struct cp_sync *s, struct sync_batch *b, char **errmsg)
{
	int rc = sync_batch_open(s, errmsg);
	if (rc != CP_OK)
		return rc;
	rc = sync_batch_count(s, b);
	/* It will look every person up: one read of them all. */
	if (rc == CP_OK)
		rc = sync_person_ids(s->l, &s->person_ids);
	if (rc != CP_OK)
		return sync_batch_close(s, rc, errmsg);
	s->person_ids_all = true;
	return CP_OK;
}

/* Take and write until the reader has ended or this side fails. */
static int writer(struct queue *q, struct sync_batch *b, char **errmsg)
{
	uint64_t done = 0;
	int rc = CP_OK;
	for (bool end = false; !end;) {
		size_t n = 0;
		if (!take_queued(q, &n, &end)) {
			cp_set_errmsg(errmsg,
			              _("the directory sent nothing for %u ms while the ledger was "
			                "locked for the sync: nothing was changed"),
			              q->stall_ms);
			return CP_ERR_IO;
		}
		/* Nothing read at all (the reader failed first): no lock. */
		if (!q->locked && n > 0) {
			rc = lock_ledger(q->s, b, errmsg);
			q->locked = rc == CP_OK;
		}
		if (rc == CP_OK)
			rc = write_items(q, b, n, &done, errmsg);
		if (rc != CP_OK)
			break;
	}
	return rc;
}

/* The writer failed: the reader stops at its next entry; then drop what
 * it had queued. */
static void stop_reader(struct queue *q, pthread_t t)
{
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_signal(&q->room);
	pthread_mutex_unlock(&q->mu);
	pthread_join(t, NULL);
	for (size_t i = 0; i < q->n; i++)
		item_clear(&q->v[i]);
	q->n = 0;
}

static int start_reader(struct queue *q, pthread_t *t)
{
	/* Signals are for the thread that called: the reader has none. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int e = pthread_create(t, NULL, reader, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return e == 0 ? CP_OK : CP_ERR_NOMEM;
}

/* Without a thread: read everything, then apply it, as other reads do. */
static int read_then_apply(struct cp_sync *s, struct sync_batch *b, sync_source_fn source,
                           char **errmsg)
{
	struct sync_into into = {s, b};
	const struct sync_sink to = {sync_take_into, sync_keep_into, &into};
	int rc = CP_OK;
	for (int k = 0; rc == CP_OK && k < SK_COUNT; k++) {
		rc = source(s, (enum sync_kind)k, &to, errmsg);
		b->complete[k] = true;
	}
	return rc == CP_OK ? sync_batch_apply(s, b, errmsg) : rc;
}

static int stream(struct cp_sync *s, struct sync_batch *b, struct queue *q, char **errmsg)
{
	pthread_t t;
	if (start_reader(q, &t) != CP_OK)
		return read_then_apply(s, b, q->source, errmsg);
	b->streamed = true;
	for (int k = 0; k < SK_COUNT; k++)
		b->reading[k] = true;
	int rc = writer(q, b, errmsg);
	if (rc != CP_OK) {
		/* The lock first: the reader may wait in ldap_result for up to
		 * [ldap] timeout before it sees that it is to stop. */
		if (q->locked)
			rc = sync_batch_close(s, rc, errmsg);
		q->locked = false;
		stop_reader(q, t);
		return rc;
	}
	pthread_join(t, NULL);
	/* The directory went away mid-read: its message, nothing applied. */
	if (rc == CP_OK && q->rc != CP_OK) {
		rc = q->rc;
		if (errmsg != NULL && *errmsg == NULL) {
			*errmsg = q->errmsg;
			q->errmsg = NULL;
		}
	}
	if (rc == CP_OK)
		rc = sync_batch_finish(s, b, errmsg);
	return q->locked ? sync_batch_close(s, rc, errmsg) : rc;
}

static int queue_init(struct queue *q, struct cp_sync *s, sync_source_fn source)
{
	*q = (struct queue){
	    .s = s, .source = source, .max = QUEUE_MAX, .wake = WAKE_AT, .apply_at = APPLY_AT};
	if (s->stream_queue_max > 0 && s->stream_queue_max < QUEUE_MAX)
		q->max = s->stream_queue_max;
	q->wake = q->wake < q->max ? q->wake : q->max;
	q->apply_at = q->apply_at < q->max ? q->apply_at : q->max;
	/* Half the time a password change waits for the ledger, at least 0.1 s. */
	q->stall_ms = cp_config_busy_timeout_ms(s->cfg) / 2;
	q->stall_ms = q->stall_ms > 100 ? q->stall_ms : 100;
	q->v = calloc(q->max, sizeof(*q->v));
	q->w = calloc(q->max, sizeof(*q->w));
	pthread_condattr_t ca;
	/* glibc's init calls do not fail; the deadlines are CLOCK_MONOTONIC. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->more, &ca);
	pthread_cond_init(&q->room, NULL);
	pthread_condattr_destroy(&ca);
	return q->v != NULL && q->w != NULL ? CP_OK : CP_ERR_NOMEM;
}

static void queue_free(struct queue *q)
{
	pthread_cond_destroy(&q->room);
	pthread_cond_destroy(&q->more);
	pthread_mutex_destroy(&q->mu);
	free(q->errmsg);
	free(q->v);
	free(q->w);
}

int sync_stream(struct cp_sync *s, struct sync_batch *b, sync_source_fn source, char **errmsg)
{
	struct queue q;
	int rc = queue_init(&q, s, source);
	if (rc == CP_OK)
		rc = stream(s, b, &q, errmsg);
	queue_free(&q);
	return rc;
}

static int paged_source(struct cp_sync *s, enum sync_kind kind, const struct sync_sink *to,
                        char **errmsg)
{
	return sync_read_kind_each(s, kind, NULL, to->take, to->ctx, errmsg);
}

int sync_stream_full(struct cp_sync *s, struct sync_batch *b, char **errmsg)
{
	return sync_stream(s, b, paged_source, errmsg);
}
