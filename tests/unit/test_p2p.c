/* test_p2p.c - the peer transport (p2p/p2p.c) over loopback: several
 * instances on one libuv loop, plus raw sockets playing bad peers
 * (garbage, replays, silence). Every listener binds 127.0.0.1 port 0. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "common/codec.h"
#include "common/crypto.h"
#include "p2p/p2p.h"
#include "p2p/session.h"
#include "tests/test.h"

#define CHAIN "accord-test"
#define KEYS 6 /* the universe of keys: peer index = key index */
#define LOCAL "127.0.0.1"

static uv_loop_t loop;
static struct key keys[KEYS];

/* --- one instance and what it saw --------------------------------------- */

struct node {
	size_t self; /* its key index */
	struct p2p *p;
	bool up[KEYS];
	size_t ups[KEYS], downs[KEYS];
	size_t msgs[KEYS];
	uint64_t next_seq[KEYS]; /* order check: each message is seq ‖ … */
	size_t big_len;		 /* the last message longer than 8 bytes */
	bool big_ok;
	bool closed;
};

static void on_peer(void *ctx, size_t peer, bool up)
{
	struct node *n = ctx;
	ASSERT(peer < KEYS && peer != n->self);
	ASSERT(n->up[peer] != up); /* ups and downs alternate */
	n->up[peer] = up;
	if (up)
		n->ups[peer]++;
	else
		n->downs[peer]++;
}

/* Body of message seq: seq u64 ‖ bytes (seq + i * 131) mod 256. */
static uint8_t *msg_make(uint64_t seq, size_t len)
{
	uint8_t *m = malloc(len);
	ASSERT(m != NULL && len >= 8);
	be64_put(m, seq);
	for (size_t i = 8; i < len; i++)
		m[i] = (uint8_t)(seq + i * 131);
	return m;
}

static void on_message(void *ctx, size_t peer, const uint8_t *msg, size_t len)
{
	struct node *n = ctx;
	ASSERT(peer < KEYS && n->up[peer]);
	ASSERT(len >= 8);
	uint64_t seq = be64_get(msg);
	ASSERT_U64_EQ(seq, n->next_seq[peer]);
	n->next_seq[peer]++;
	n->msgs[peer]++;
	if (len > 8) {
		bool ok = true;
		for (size_t i = 8; i < len && ok; i++)
			ok = msg[i] == (uint8_t)(seq + i * 131);
		n->big_len = len;
		n->big_ok = ok;
	}
}

struct opts {
	bool listen;
	uint16_t listen_port;
	const char *chain;
	uint16_t ports[KEYS]; /* where it dials each key; 0 = it does not */
	size_t frame_max, send_queue_max;
	uint32_t keepalive_ms, idle_timeout_ms;
};

static struct opts opts_default(void)
{
	struct opts o;
	memset(&o, 0, sizeof o);
	o.listen = true;
	o.chain = CHAIN;
	o.keepalive_ms = 50;
	o.idle_timeout_ms = 400;
	return o;
}

/* Open node n with key self; it knows every key of the universe
 * (its own included, which it must ignore). */
static void node_open(struct node *n, size_t self, const struct opts *o)
{
	struct p2p_peer_cfg peers[KEYS];
	struct p2p_config cfg;
	struct acc_err err;
	memset(n, 0, sizeof *n);
	memset(peers, 0, sizeof peers);
	memset(&cfg, 0, sizeof cfg);
	n->self = self;
	for (size_t i = 0; i < KEYS; i++) {
		memcpy(peers[i].pubkey, keys[i].pk, PUBKEY_BYTES);
		strcpy(peers[i].host, LOCAL);
		peers[i].port = o->ports[i];
	}
	cfg.chain_id = o->chain;
	cfg.key = &keys[self];
	cfg.listen_host = o->listen ? LOCAL : NULL;
	cfg.listen_port = o->listen_port;
	cfg.peers = peers;
	cfg.n_peers = KEYS;
	cfg.frame_max = o->frame_max;
	cfg.send_queue_max = o->send_queue_max;
	cfg.keepalive_ms = o->keepalive_ms;
	cfg.idle_timeout_ms = o->idle_timeout_ms;
	cfg.handshake_timeout_ms = 300;
	cfg.backoff_min_ms = 20;
	cfg.backoff_max_ms = 200;
	cfg.on_message = on_message;
	cfg.on_peer = on_peer;
	cfg.ctx = n;
	int rc = p2p_open(&n->p, &loop, &cfg, &err);
	if (rc != 0)
		FAIL_AT("p2p_open: %s", err.msg);
	if (o->listen)
		ASSERT(p2p_listen_port(n->p) != 0);
}

static void node_closed(void *ctx)
{
	((struct node *)ctx)->closed = true;
}

/* --- running the loop --------------------------------------------------- */

static void wake_cb(uv_timer_t *t)
{
	(void)t;
}

/* Run the loop until pred(arg) or ms pass; returns pred's last value. */
static bool run_until(bool (*pred)(void *), void *arg, uint64_t ms)
{
	uv_timer_t wake;
	ASSERT_EQ(uv_timer_init(&loop, &wake), 0);
	ASSERT_EQ(uv_timer_start(&wake, wake_cb, 5, 5), 0);
	uv_update_time(&loop);
	uint64_t end = uv_now(&loop) + ms;
	bool ok;
	while (!(ok = pred != NULL && pred(arg)) && uv_now(&loop) < end)
		(void)uv_run(&loop, UV_RUN_ONCE);
	uv_close((uv_handle_t *)&wake, NULL);
	(void)uv_run(&loop, UV_RUN_NOWAIT);
	return ok;
}

static void run_for(uint64_t ms)
{
	(void)run_until(NULL, NULL, ms);
}

static bool is_closed(void *arg)
{
	return ((struct node *)arg)->closed;
}

static void node_close(struct node *n)
{
	p2p_close(n->p, node_closed, n);
	ASSERT(run_until(is_closed, n, 2000));
}

struct link {
	struct node *a, *b;
};

static bool linked(void *arg)
{
	struct link *l = arg;
	return l->a->up[l->b->self] && l->b->up[l->a->self];
}

/* Server s (key i) listens and dials nobody; client c (key j) dials it. */
static void pair_open(struct node *s, size_t i, struct node *c, size_t j,
		      const struct opts *os, struct opts *oc)
{
	node_open(s, i, os);
	oc->ports[i] = p2p_listen_port(s->p);
	node_open(c, j, oc);
	struct link l = {s, c};
	ASSERT(run_until(linked, &l, 3000));
}

static struct p2p_stats stats(const struct node *n)
{
	struct p2p_stats st;
	p2p_stats_get(n->p, &st);
	return st;
}

/* --- raw sockets: peers that misbehave ---------------------------------- */

static int raw_connect(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT(fd >= 0);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Loopback: the kernel completes the connection from the backlog. */
	ASSERT_EQ(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	ASSERT_EQ(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	return fd;
}

static void raw_send(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			run_for(5);
			continue;
		}
		ASSERT(w > 0);
		b += w;
		n -= (size_t)w;
	}
}

struct raw {
	int fd;
	bool eof;
	uint8_t in[4096];
	size_t in_len;
	struct p2p_session s;
	bool use_session, opened;
	uint8_t sent[512]; /* handshake bytes our session sent */
	size_t sent_len;
};

static int raw_s_send(void *ctx, const uint8_t *p, size_t n)
{
	struct raw *r = ctx;
	ASSERT(r->sent_len + n <= sizeof r->sent);
	memcpy(r->sent + r->sent_len, p, n);
	r->sent_len += n;
	raw_send(r->fd, p, n);
	return 0;
}

static int raw_s_authorize(void *ctx, const uint8_t pk[PUBKEY_BYTES])
{
	(void)ctx;
	(void)pk;
	return 0;
}

static int raw_s_open(void *ctx)
{
	((struct raw *)ctx)->opened = true;
	return 0;
}

static int raw_s_frame(void *ctx, enum p2p_frame_type type, const uint8_t *body,
		       size_t n)
{
	(void)ctx;
	(void)type;
	(void)body;
	(void)n;
	return 0;
}

static const struct p2p_session_cb *raw_cb(struct raw *r)
{
	static struct p2p_session_cb cb;
	cb.send = raw_s_send;
	cb.authorize = raw_s_authorize;
	cb.open = raw_s_open;
	cb.frame = raw_s_frame;
	cb.ctx = r;
	return &cb;
}

/* Read what is there; eof once the other side closed. */
static bool raw_poll(void *arg)
{
	struct raw *r = arg;
	for (;;) {
		uint8_t buf[4096];
		ssize_t n = recv(r->fd, buf, sizeof buf, 0);
		if (n == 0 ||
		    (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			r->eof = true;
			return true;
		}
		if (n < 0)
			return false;
		if (r->use_session) {
			(void)p2p_session_read(&r->s, buf, (size_t)n,
					       raw_cb(r));
		} else if (r->in_len + (size_t)n <= sizeof r->in) {
			memcpy(r->in + r->in_len, buf, (size_t)n);
			r->in_len += (size_t)n;
		}
	}
}

static bool raw_opened(void *arg)
{
	struct raw *r = arg;
	(void)raw_poll(r);
	return r->opened || r->eof;
}

static bool raw_eof(void *arg)
{
	struct raw *r = arg;
	(void)raw_poll(r);
	return r->eof;
}

/* A raw connection that runs a real initiator session with key k. */
static void raw_handshake(struct raw *r, uint16_t port, const struct key *k)
{
	memset(r, 0, sizeof *r);
	r->fd = raw_connect(port);
	r->use_session = true;
	struct p2p_session_cfg sc = {0};
	sc.role = P2P_ROLE_INITIATOR;
	sc.key = k;
	sc.chain_id = CHAIN;
	sc.frame_max = MSG_BYTES_MAX;
	ASSERT_OK(p2p_session_init(&r->s, &sc));
	ASSERT_OK(p2p_session_start(&r->s, raw_cb(r)));
	(void)run_until(raw_opened, r, 2000);
}

static void raw_close(struct raw *r)
{
	close(r->fd);
	if (r->use_session)
		p2p_session_free(&r->s);
}

/* --- the tests ---------------------------------------------------------- */

static void test_link_and_messages(void)
{
	struct node s, c;
	struct opts os = opts_default(), oc = opts_default();
	oc.listen = false;
	pair_open(&s, 0, &c, 1, &os, &oc);
	ASSERT_EQ(s.ups[1], 1);
	ASSERT_EQ(c.ups[0], 1);

	/* Small messages both ways, a 6 MiB one, and many small ones in
	 * order. */
	uint8_t *m = msg_make(0, 8);
	ASSERT_OK(p2p_send(c.p, 0, m, 8));
	free(m);
	m = msg_make(0, 100);
	ASSERT_OK(p2p_send(s.p, 1, m, 100));
	free(m);
	size_t big = 6u * 1024u * 1024u + 3;
	m = msg_make(1, big);
	ASSERT_OK(p2p_send(c.p, 0, m, big));
	free(m);
	for (uint64_t k = 1; k <= 3000; k++) {
		m = msg_make(k, 8 + (size_t)(k % 50));
		ASSERT_OK(p2p_send(s.p, 1, m, 8 + (size_t)(k % 50)));
		free(m);
	}
	for (int i = 0; i < 400 && (s.msgs[1] < 2 || c.msgs[0] < 3001); i++)
		run_for(10);
	ASSERT_EQ(s.msgs[1], 2);
	ASSERT_EQ(s.big_len, big);
	ASSERT(s.big_ok);
	ASSERT_EQ(c.msgs[0], 3001);

	struct p2p_peer_info pi;
	p2p_peer_info(c.p, 0, &pi);
	ASSERT(pi.connected);
	ASSERT_EQ(pi.connects, 1);
	ASSERT_EQ(pi.msgs_out, 2);
	ASSERT_U64_EQ(pi.bytes_out, 8 + big);
	ASSERT_EQ(pi.msgs_in, 3001);
	ASSERT(pi.last_seen_ms > 0);
	ASSERT_EQ(pi.queued_bytes, 0);
	/* Not connected, too big, our own key. */
	uint8_t x[8] = {0};
	ASSERT_EQ(p2p_send(c.p, 2, x, 8), ACC_ESTATE);
	ASSERT_EQ(p2p_send(c.p, 1, x, 8), ACC_ESTATE);
	uint8_t *huge = calloc(1, MSG_BYTES_MAX + 1);
	ASSERT(huge != NULL);
	ASSERT_EQ(p2p_send(c.p, 0, huge, MSG_BYTES_MAX + 1), ACC_ETOOBIG);
	free(huge);
	ASSERT_EQ(stats(&s).handshakes_failed, 0);
	ASSERT_EQ(stats(&s).frames_bad, 0);

	/* The client closes (no callback of its own runs after
	 * p2p_close): the server sees the link go down. */
	node_close(&c);
	for (int i = 0; i < 100 && s.up[1]; i++)
		run_for(10);
	ASSERT_EQ(s.downs[1], 1);
	ASSERT_EQ(c.downs[0], 0);
	node_close(&s);
}

/* Handshake refusals: nobody comes up, and it is counted. */
static void refused(size_t server_key, size_t client_key, const char *chain,
		    bool listed)
{
	struct node s, c;
	struct opts os = opts_default(), oc = opts_default();
	oc.listen = false;
	oc.chain = chain;
	node_open(&s, server_key, &os);
	oc.ports[server_key] = p2p_listen_port(s.p);
	if (!listed) {
		/* The client dials the server's port under another key's
		 * slot, so the server's key is not the one it expects. */
		oc.ports[server_key] = 0;
		oc.ports[(server_key + 1) % KEYS == client_key
			     ? (server_key + 2) % KEYS
			     : (server_key + 1) % KEYS] = p2p_listen_port(s.p);
	}
	node_open(&c, client_key, &oc);
	run_for(300);
	for (size_t i = 0; i < KEYS; i++) {
		ASSERT(!s.up[i]);
		ASSERT(!c.up[i]);
	}
	ASSERT(stats(&s).handshakes_failed >= 1);
	ASSERT(stats(&c).handshakes_failed >= 1);
	node_close(&c);
	node_close(&s);
}

static void test_wrong_chain_refused(void)
{
	refused(0, 1, "accord-other", true);
}

/* The client dials a node whose key is not the one listed at that
 * address (an impostor or a misconfiguration): it stops at message 2
 * without revealing itself. */
static void test_wrong_key_at_address_refused(void)
{
	refused(0, 1, CHAIN, false);
}

/* A key that is not in the server's list. */
static void test_unknown_key_refused(void)
{
	struct node s;
	struct opts os = opts_default();
	node_open(&s, 0, &os);
	struct key stranger;
	uint8_t seed[SEED_BYTES];
	memset(seed, 0x77, sizeof seed);
	ASSERT_OK(key_from_seed(&stranger, seed));
	struct raw r;
	raw_handshake(&r, p2p_listen_port(s.p), &stranger);
	/* The stranger learnt the server's identity (R goes first) but the
	 * server closes before message 4: the stranger is never in. */
	ASSERT(!r.opened);
	ASSERT(run_until(raw_eof, &r, 1000));
	ASSERT_EQ(stats(&s).handshakes_failed, 1);
	for (size_t i = 0; i < KEYS; i++)
		ASSERT(!s.up[i]);
	raw_close(&r);
	/* Our own key is in the list but never accepted. */
	raw_handshake(&r, p2p_listen_port(s.p), &keys[0]);
	ASSERT(!r.opened);
	ASSERT_EQ(stats(&s).handshakes_failed, 2);
	raw_close(&r);
	key_free(&stranger);
	node_close(&s);
}

/* Record a real initiator's bytes, then replay them on a new
 * connection: the responder's fresh ephemeral key makes them fail. */
static void test_replay_refused(void)
{
	struct node s;
	struct opts os = opts_default();
	node_open(&s, 0, &os);
	uint16_t port = p2p_listen_port(s.p);
	struct raw r;
	raw_handshake(&r, port, &keys[2]);
	ASSERT(r.opened);
	ASSERT_EQ(s.ups[2], 1);
	ASSERT_EQ(r.sent_len, P2P_MSG1_BYTES + P2P_MSG3_BYTES);
	uint8_t rec[P2P_MSG1_BYTES + P2P_MSG3_BYTES];
	memcpy(rec, r.sent, sizeof rec);
	raw_close(&r);
	for (int i = 0; i < 100 && s.up[2]; i++)
		run_for(10);
	ASSERT(!s.up[2]);

	struct raw x;
	memset(&x, 0, sizeof x);
	x.fd = raw_connect(port);
	raw_send(x.fd, rec, P2P_MSG1_BYTES);
	for (int i = 0; i < 100 && x.in_len < P2P_MSG2_BYTES; i++) {
		run_for(5);
		(void)raw_poll(&x);
	}
	ASSERT_EQ(x.in_len, P2P_MSG2_BYTES);
	raw_send(x.fd, rec + P2P_MSG1_BYTES, P2P_MSG3_BYTES);
	ASSERT(run_until(raw_eof, &x, 1000));
	ASSERT_EQ(x.in_len, P2P_MSG2_BYTES); /* no message 4 */
	ASSERT_EQ(s.ups[2], 1);
	ASSERT_EQ(stats(&s).handshakes_failed, 1);
	close(x.fd);
	node_close(&s);
}

/* Bad bytes close that connection only: a live link beside them keeps
 * carrying messages. */
static void test_bad_bytes_close_one(void)
{
	struct node s, c;
	struct opts os = opts_default(), oc = opts_default();
	oc.listen = false;
	os.frame_max = oc.frame_max = 1u << 20;
	pair_open(&s, 0, &c, 1, &os, &oc);
	uint16_t port = p2p_listen_port(s.p);
	uint64_t seq = 0;
	struct raw r;

	/* 1. Garbage instead of a hello. */
	memset(&r, 0, sizeof r);
	r.fd = raw_connect(port);
	raw_send(r.fd, "GET / HTTP/1.1\r\nHost: x\r\n\r\nxxxxxxxxxxxxxxxxx",
		 44);
	ASSERT(run_until(raw_eof, &r, 1000));
	close(r.fd);
	ASSERT_EQ(stats(&s).handshakes_failed, 1);

	/* 2. A truncated hello, then the connection ends. */
	memset(&r, 0, sizeof r);
	r.fd = raw_connect(port);
	raw_send(r.fd, "ACRD\x01\x02\x03", 7);
	run_for(20);
	close(r.fd);
	run_for(50);
	ASSERT_EQ(stats(&s).handshakes_failed, 2);

	/* 3. After a good handshake, an oversized frame: closed on its
	 * length alone. */
	raw_handshake(&r, port, &keys[2]);
	ASSERT(r.opened && s.up[2]);
	uint8_t len[4];
	be32_put(len, (1u << 20) + P2P_STREAM_ABYTES + 2);
	raw_send(r.fd, len, 4);
	ASSERT(run_until(raw_eof, &r, 1000));
	ASSERT(!s.up[2]);
	ASSERT_EQ(stats(&s).frames_bad, 1);
	raw_close(&r);

	/* 4. A tampered frame. */
	raw_handshake(&r, port, &keys[2]);
	ASSERT(r.opened && s.up[2]);
	uint8_t f[64];
	p2p_session_seal(&r.s, P2P_FRAME_MSG, (const uint8_t *)"12345678", 8,
			 f);
	f[10] ^= 1;
	raw_send(r.fd, f, p2p_session_frame_bytes(8));
	ASSERT(run_until(raw_eof, &r, 1000));
	ASSERT_EQ(stats(&s).frames_bad, 2);
	ASSERT_EQ(s.msgs[2], 0);
	raw_close(&r);

	/* 5. A truncated frame, then the connection ends: the link goes
	 * down, nothing is delivered. */
	raw_handshake(&r, port, &keys[2]);
	ASSERT(r.opened && s.up[2]);
	p2p_session_seal(&r.s, P2P_FRAME_MSG, (const uint8_t *)"12345678", 8,
			 f);
	raw_send(r.fd, f, 10);
	run_for(20);
	raw_close(&r);
	for (int i = 0; i < 100 && s.up[2]; i++)
		run_for(10);
	ASSERT(!s.up[2]);
	ASSERT_EQ(s.msgs[2], 0);

	/* Through all that, the good link stayed up and works. */
	ASSERT_EQ(s.ups[1], 1);
	ASSERT_EQ(s.downs[1], 0);
	ASSERT(c.up[0]);
	uint8_t *m = msg_make(seq, 64);
	ASSERT_OK(p2p_send(c.p, 0, m, 64));
	free(m);
	for (int i = 0; i < 100 && s.msgs[1] < 1; i++)
		run_for(10);
	ASSERT_EQ(s.msgs[1], 1);
	node_close(&c);
	node_close(&s);
}

/* A second link for a connected peer is refused; the first stays. */
static void test_duplicate_refused(void)
{
	struct node s, c;
	struct opts os = opts_default(), oc = opts_default();
	oc.listen = false;
	pair_open(&s, 0, &c, 1, &os, &oc);
	struct raw r;
	raw_handshake(&r, p2p_listen_port(s.p), &keys[1]);
	ASSERT(!r.opened);
	ASSERT(run_until(raw_eof, &r, 1000));
	ASSERT_EQ(stats(&s).duplicates_refused, 1);
	ASSERT_EQ(s.ups[1], 1);
	ASSERT_EQ(s.downs[1], 0);
	raw_close(&r);
	node_close(&c);
	node_close(&s);
}

static bool drained(void *arg)
{
	struct node *n = arg;
	struct p2p_peer_info pi;
	p2p_peer_info(n->p, 1, &pi);
	return pi.queued_bytes == 0;
}

/* The send queue is bounded in bytes: past it p2p_send refuses and
 * queues nothing; once drained, sending works again. */
static void test_backpressure(void)
{
	struct node s, c;
	struct opts os = opts_default(), oc = opts_default();
	oc.listen = false;
	os.frame_max = oc.frame_max = 64u * 1024u;
	os.send_queue_max = oc.send_queue_max = 1024u * 1024u;
	pair_open(&s, 0, &c, 1, &os, &oc);
	run_for(20); /* the handshake's last writes complete */
	size_t len = 60u * 1024u, sent = 0;
	int rc = 0;
	/* Without running the loop nothing completes, so the queue only
	 * grows. */
	for (; sent < 100; sent++) {
		uint8_t *m = msg_make(sent, len);
		rc = p2p_send(s.p, 1, m, len);
		free(m);
		if (rc != 0)
			break;
	}
	ASSERT_EQ(rc, ACC_EFULL);
	size_t frame = p2p_session_frame_bytes(len);
	ASSERT_EQ(sent, (1024u * 1024u) / frame);
	struct p2p_peer_info pi;
	p2p_peer_info(s.p, 1, &pi);
	ASSERT_EQ(pi.queued_bytes, sent * frame);
	ASSERT_EQ(pi.refused_full, 1);
	/* A small message does fit in what is left. */
	uint8_t *m = msg_make(sent, 8);
	ASSERT_OK(p2p_send(s.p, 1, m, 8));
	free(m);
	sent++;
	ASSERT(run_until(drained, &s, 3000));
	for (int i = 0; i < 100 && c.msgs[0] < sent; i++)
		run_for(10);
	ASSERT_EQ(c.msgs[0], sent);
	m = msg_make(sent, len);
	ASSERT_OK(p2p_send(s.p, 1, m, len));
	free(m);
	for (int i = 0; i < 100 && c.msgs[0] < sent + 1; i++)
		run_for(10);
	ASSERT_EQ(c.msgs[0], sent + 1);
	/* The link survived the pressure. */
	ASSERT_EQ(c.ups[0], 1);
	node_close(&c);
	node_close(&s);
}

/* The server restarts on the same port: the client redials (with
 * backoff, through refused connections) and the link comes back. */
static void test_reconnect(void)
{
	struct node s, c;
	struct opts os = opts_default(), oc = opts_default();
	oc.listen = false;
	pair_open(&s, 0, &c, 1, &os, &oc);
	uint16_t port = p2p_listen_port(s.p);
	node_close(&s);
	for (int i = 0; i < 100 && c.up[0]; i++)
		run_for(10);
	ASSERT(!c.up[0]);
	run_for(300); /* a few refused attempts */
	ASSERT_EQ(c.ups[0], 1);
	os.listen_port = port;
	node_open(&s, 0, &os);
	struct link l = {&s, &c};
	ASSERT(run_until(linked, &l, 3000));
	ASSERT_EQ(c.ups[0], 2);
	struct p2p_peer_info pi;
	p2p_peer_info(c.p, 0, &pi);
	ASSERT_EQ(pi.connects, 2);
	/* A fresh link: the new server's stream starts again. */
	uint8_t *m = msg_make(0, 8);
	ASSERT_OK(p2p_send(c.p, 0, m, 8));
	free(m);
	for (int i = 0; i < 100 && s.msgs[1] < 1; i++)
		run_for(10);
	ASSERT_EQ(s.msgs[1], 1);
	node_close(&c);
	node_close(&s);
}

/* Pings keep a quiet link up well past the idle timeout; a peer that
 * stops answering is dropped by it. A connection that never says
 * anything is dropped by the handshake timeout. */
static void test_keepalive_and_idle(void)
{
	struct node s, c;
	struct opts os = opts_default(), oc = opts_default();
	oc.listen = false;
	pair_open(&s, 0, &c, 1, &os, &oc);
	struct p2p_peer_info before, after;
	p2p_peer_info(s.p, 1, &before);
	run_for(1200); /* three idle timeouts, no messages */
	ASSERT(s.up[1] && c.up[0]);
	ASSERT_EQ(s.ups[1], 1);
	ASSERT_EQ(stats(&s).idle_drops, 0);
	p2p_peer_info(s.p, 1, &after);
	ASSERT(after.last_seen_ms > before.last_seen_ms); /* pings came */

	/* A peer that completes its handshake and then goes silent (our
	 * raw session never answers pings). */
	struct raw r;
	raw_handshake(&r, p2p_listen_port(s.p), &keys[3]);
	ASSERT(r.opened && s.up[3]);
	uv_update_time(&loop);
	uint64_t t0 = uv_now(&loop);
	ASSERT(run_until(raw_eof, &r, 2000));
	uint64_t dt = uv_now(&loop) - t0;
	ASSERT(dt >= 350 && dt < 1000);
	ASSERT_EQ(stats(&s).idle_drops, 1);
	ASSERT(!s.up[3]);
	raw_close(&r);

	/* Silent from the start: the handshake timeout (300 ms). */
	memset(&r, 0, sizeof r);
	r.fd = raw_connect(p2p_listen_port(s.p));
	uint64_t hf = stats(&s).handshakes_failed;
	ASSERT(run_until(raw_eof, &r, 2000));
	ASSERT_EQ(stats(&s).handshakes_failed, hf + 1);
	close(r.fd);

	ASSERT_EQ(s.downs[1], 0);
	node_close(&c);
	node_close(&s);
}

/* §4: of two listening nodes that know each other's address, the
 * smaller key dials at once; the larger waits backoff_max first. */
static void test_dial_rule(void)
{
	size_t small = memcmp(keys[4].pk, keys[5].pk, PUBKEY_BYTES) < 0 ? 4 : 5;
	size_t large = small == 4 ? 5 : 4;
	for (int smaller_dials = 0; smaller_dials < 2; smaller_dials++) {
		struct node s, c;
		struct opts os = opts_default(), oc = opts_default();
		/* c listens too and has s's address; s has no address of c. */
		size_t cs = smaller_dials ? small : large;
		size_t ss = smaller_dials ? large : small;
		node_open(&s, ss, &os);
		oc.ports[ss] = p2p_listen_port(s.p);
		uv_update_time(&loop);
		uint64_t t0 = uv_now(&loop);
		node_open(&c, cs, &oc);
		struct link l = {&s, &c};
		ASSERT(run_until(linked, &l, 3000));
		uint64_t dt = uv_now(&loop) - t0;
		if (smaller_dials)
			ASSERT(dt < 90);
		else
			ASSERT(dt >= 95); /* backoff_max / 2, less a tick */
		node_close(&c);
		node_close(&s);
	}
}

/* §4 tie rule: when a second link of a peer completes, the one dialled
 * by the smaller key stays. s dials c (so s holds an outbound link);
 * then a raw initiator with c's key arrives at s. */
static void test_tie_rule(void)
{
	size_t small = memcmp(keys[4].pk, keys[5].pk, PUBKEY_BYTES) < 0 ? 4 : 5;
	size_t large = small == 4 ? 5 : 4;
	for (int s_small = 0; s_small < 2; s_small++) {
		struct node s, c;
		struct opts os = opts_default(), oc = opts_default();
		size_t ss = s_small ? small : large;
		size_t cs = s_small ? large : small;
		node_open(&c, cs, &oc); /* listens, dials nobody */
		os.ports[cs] = p2p_listen_port(c.p);
		node_open(&s, ss, &os);
		struct link l = {&s, &c};
		ASSERT(run_until(linked, &l, 3000));
		struct raw r;
		raw_handshake(&r, p2p_listen_port(s.p), &keys[cs]);
		if (s_small) {
			/* s dialled and is the smaller: the newcomer goes. */
			ASSERT(!r.opened);
			ASSERT_EQ(stats(&s).duplicates_refused, 1);
			ASSERT_EQ(s.ups[cs], 1);
			ASSERT_EQ(s.downs[cs], 0);
		} else {
			/* s dialled but is the larger: its link yields to the
			 * one the smaller key dialled. */
			ASSERT(r.opened);
			ASSERT_EQ(s.downs[cs], 1);
			ASSERT_EQ(s.ups[cs], 2);
			ASSERT(s.up[cs]);
			for (int i = 0; i < 100 && c.up[ss]; i++)
				run_for(10);
			ASSERT(!c.up[ss]);
		}
		raw_close(&r);
		node_close(&c);
		node_close(&s);
	}
}

static void test_bad_config(void)
{
	struct p2p *p;
	struct p2p_config cfg;
	struct acc_err err;
	struct p2p_peer_cfg peers[2];
	memset(&cfg, 0, sizeof cfg);
	memset(peers, 0, sizeof peers);
	cfg.chain_id = CHAIN;
	cfg.key = &keys[0];
	cfg.peers = peers;
	cfg.n_peers = 2;
	memcpy(peers[0].pubkey, keys[1].pk, PUBKEY_BYTES);
	memcpy(peers[1].pubkey, keys[1].pk, PUBKEY_BYTES);
	ASSERT_EQ(p2p_open(&p, &loop, &cfg, &err), ACC_ECONFIG); /* twice */
	memcpy(peers[1].pubkey, keys[2].pk, PUBKEY_BYTES);
	cfg.frame_max = 1000;
	cfg.send_queue_max = 100;
	ASSERT_EQ(p2p_open(&p, &loop, &cfg, &err), ACC_ECONFIG);
	cfg.send_queue_max = 0;
	cfg.keepalive_ms = 500;
	cfg.idle_timeout_ms = 500;
	ASSERT_EQ(p2p_open(&p, &loop, &cfg, &err), ACC_ECONFIG);
	cfg.idle_timeout_ms = 0;
	cfg.keepalive_ms = 0;
	strcpy(peers[1].host, "no such host.invalid");
	peers[1].port = 9;
	ASSERT_EQ(p2p_open(&p, &loop, &cfg, &err), ACC_ECONFIG);
	peers[1].port = 0;
	cfg.chain_id = "";
	ASSERT_EQ(p2p_open(&p, &loop, &cfg, &err), ACC_ECONFIG);
	cfg.chain_id = CHAIN;
	/* A port in use: ACC_EIO, and everything it opened closes. */
	struct node s;
	struct opts os = opts_default();
	node_open(&s, 0, &os);
	cfg.listen_host = LOCAL;
	cfg.listen_port = p2p_listen_port(s.p);
	ASSERT_EQ(p2p_open(&p, &loop, &cfg, &err), ACC_EIO);
	run_for(20);
	node_close(&s);
}

int main(void)
{
	ASSERT_OK(crypto_lib_init());
	ASSERT_EQ(uv_loop_init(&loop), 0);
	for (size_t i = 0; i < KEYS; i++) {
		uint8_t seed[SEED_BYTES];
		memset(seed, (int)(0x10 + i), sizeof seed);
		ASSERT_OK(key_from_seed(&keys[i], seed));
	}
	RUN(test_link_and_messages);
	RUN(test_wrong_chain_refused);
	RUN(test_wrong_key_at_address_refused);
	RUN(test_unknown_key_refused);
	RUN(test_replay_refused);
	RUN(test_bad_bytes_close_one);
	RUN(test_duplicate_refused);
	RUN(test_backpressure);
	RUN(test_reconnect);
	RUN(test_keepalive_and_idle);
	RUN(test_dial_rule);
	RUN(test_tie_rule);
	RUN(test_bad_config);
	run_for(10);
	ASSERT_EQ(uv_loop_close(&loop), 0); /* every handle was closed */
	for (size_t i = 0; i < KEYS; i++)
		key_free(&keys[i]);
	return 0;
}
