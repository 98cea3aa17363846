/*
 * NAME
 *	tarpit 3
 * SUMMARY
 *	interruptible sleeps in the worker threads
 * DESCRIPTION
 *	Sleepers wait on one condition variable bound to CLOCK_MONOTONIC,
 *	so a change of the wall clock neither shortens nor stretches a
 *	delay. The mutex protects only the stop flag and the sleeper count
 *	and is never held while sleeping (pthread_cond_timedwait releases it).
 *
 *	A sleeper first gives back the pages of its stack below its live
 *	frames: thousands of sessions may sleep at once, each in its own
 *	thread, and each would otherwise keep every page its deepest call
 *	ever touched (a lookup, a log line) for the length of the delay.
 */
#include "autoconfig.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tarpit.h"
#include "util.h"

static pthread_mutex_t tarpit_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tarpit_cv;
static pthread_once_t tarpit_once = PTHREAD_ONCE_INIT;
static int tarpit_stopped;
static unsigned tarpit_count;

/* tarpit_init - a condition variable that times out on the monotonic clock */
static void
tarpit_init(void)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&tarpit_cv, &attr);
	pthread_condattr_destroy(&attr);
}

/*
 * stack_trim - release this thread's stack pages more than a page below
 * the caller's frame; they hold only dead frames, and come back as zero
 * pages when a deeper call needs them again
 */
static void
stack_trim(void)
{
	pthread_attr_t attr;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, end;
	void *addr;
	size_t size;

	if ((long)page <= 0 || pthread_getattr_np(pthread_self(), &attr) != 0)
		return;
	if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
		lo = ((uintptr_t)addr + page - 1) & ~(page - 1);
		end = ((uintptr_t)__builtin_frame_address(0) - page) &
		    ~(page - 1);
		if (end > lo)
			(void)madvise((void *)lo, end - lo, MADV_DONTNEED);
	}
	pthread_attr_destroy(&attr);
}

/*
 * tarpit_sleep - sleep up to seconds; returns the time slept, or -1 at
 * once if o->cap sleepers are asleep already
 */
double
tarpit_sleep(double seconds, const struct tarpit_opts *o)
{
	double start = util_now(), end = start + seconds, next;
	struct timespec ts;
	int rc;

	if (seconds <= 0)
		return 0;
	stack_trim();
	pthread_once(&tarpit_once, tarpit_init);
	pthread_mutex_lock(&tarpit_mu);
	if (o && o->cap && tarpit_count >= o->cap) {
		pthread_mutex_unlock(&tarpit_mu);
		return -1;
	}
	tarpit_count++;
	while (!tarpit_stopped) {
		next = end;
		if (o && o->every > 0 && start + o->every < end)
			next = util_now() + o->every < end ?
			    util_now() + o->every : end;
		util_abstime(next, &ts);
		rc = 0;
		while (!tarpit_stopped && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&tarpit_cv, &tarpit_mu, &ts);
		if (tarpit_stopped || next >= end)
			break;
		/* Keep the MTA waiting: progress, without the lock held. */
		pthread_mutex_unlock(&tarpit_mu);
		o->progress(o->arg);
		pthread_mutex_lock(&tarpit_mu);
	}
	tarpit_count--;
	pthread_mutex_unlock(&tarpit_mu);
	return util_now() - start;
}

/* tarpit_stop - wake every sleeper now and refuse further sleeps */
void
tarpit_stop(void)
{
	pthread_once(&tarpit_once, tarpit_init);
	pthread_mutex_lock(&tarpit_mu);
	tarpit_stopped = 1;
	pthread_cond_broadcast(&tarpit_cv);
	pthread_mutex_unlock(&tarpit_mu);
}

/* tarpit_stopping - nonzero once tarpit_stop() was called */
int
tarpit_stopping(void)
{
	int v;

	pthread_mutex_lock(&tarpit_mu);
	v = tarpit_stopped;
	pthread_mutex_unlock(&tarpit_mu);
	return v;
}

/* tarpit_sleepers - threads asleep right now */
unsigned
tarpit_sleepers(void)
{
	unsigned v;

	pthread_mutex_lock(&tarpit_mu);
	v = tarpit_count;
	pthread_mutex_unlock(&tarpit_mu);
	return v;
}
