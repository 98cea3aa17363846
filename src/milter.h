/*
 * NAME
 *	milter 3h
 * SUMMARY
 *	libmilter callbacks: per-connection state, sleep, reply
 * DESCRIPTION
 *	Thin glue between libmilter and judge_recipient(): it keeps what a
 *	connection told us (client address, sender, SASL login), sleeps the
 *	tarpit delay in the connection's own worker thread, logs the
 *	decision and sets the reply.
 */
#ifndef MT_MILTER_H
#define MT_MILTER_H

struct clients;

/* milter_register - register the callbacks; 0 ok, -1 failure */
int milter_register(struct clients *clients, int rcpt_rej);

/* milter_busy - RCPT callbacks running right now */
unsigned milter_busy(void);

#endif
