/*
 * NAME
 *	control 3h
 * SUMMARY
 *	the control socket: run-time questions and orders from the admin
 * DESCRIPTION
 *	With --control-socket PATH, one thread answers milter-tarpit-ctl(8)
 *	on a unix socket of mode 0600, owned by the -u user: list, show,
 *	forget, trust and stats. Each connection is one request line and
 *	one reply; a refusal is one line "error: ...". The socket is made
 *	before the privilege drop, the thread started after it.
 */
#ifndef MT_CONTROL_H
#define MT_CONTROL_H

#include <stddef.h>

struct clients;
struct control;

/*
 * control_open - make and listen on the socket at path (a stale one is
 * replaced, a live one refused), mode 0600, owned by user if given;
 * NULL with a message in err
 */
struct control *control_open(const char *path, const char *user, char *err,
    size_t errlen);

/* control_start - answer requests about cs from a thread; -1 if none */
int control_start(struct control *ctl, struct clients *cs);

/* control_stop - stop answering, remove the socket (NULL is fine) */
void control_stop(struct control *ctl);

#endif
