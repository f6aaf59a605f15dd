/* p2p.c - the libuv side of the peer transport: listen, dial, read,
 * write, timers and reconnection (specs/wire.md §4-§5). The protocol
 * itself is p2p/session.c; this file moves its bytes. Loop thread only. */
#include "p2p/p2p.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "p2p/session.h"

/* §5 defaults. */
#define DEFAULT_SEND_QUEUE_BYTES (64u * 1024u * 1024u)
#define DEFAULT_KEEPALIVE_MS 1000u
#define DEFAULT_IDLE_TIMEOUT_MS 5000u
#define DEFAULT_HANDSHAKE_TIMEOUT_MS 3000u
#define DEFAULT_BACKOFF_MIN_MS 100u
#define DEFAULT_BACKOFF_MAX_MS 5000u
/* §5: connections accepted and not yet authenticated, at most. */
#define PENDING_IN_MAX 64u
/* Bytes handed to one read callback. */
#define READ_BYTES 65536u
/* §5 "Writes": sealed frames of one loop iteration go out in one write,
 * sooner once this many bytes wait. */
#define FLUSH_BYTES (256u * 1024u)
#define NO_PEER ((size_t)-1)

struct conn {
	uv_tcp_t tcp; /* first: the handle's address is the conn's */
	uv_connect_t connect;
	struct p2p *p;
	struct conn *prev, *next; /* in p->conns, until the close callback */
	struct p2p_session s;
	size_t peer;	 /* index in p->peers, or NO_PEER before authorize */
	bool outbound;	 /* we dialled it */
	bool pending_in; /* accepted, not yet authenticated: in n_pending_in */
	bool open;	 /* handshake done: it is its peer's link */
	bool closing;
	uint64_t start_ms, recv_ms, send_ms;
	size_t queued_bytes; /* sealed, not yet written (out) or completed */
	/* Frames sealed this loop iteration, written together (§5). */
	uint8_t *out;
	size_t out_len, out_cap;
	size_t out_msg_bytes; /* node message bytes among them */
};

struct wreq {
	uv_write_t req;
	struct conn *c;
	size_t len;
	size_t msg_len; /* node message bytes: count in the peer's counters */
	uint8_t *data;	/* owned: the bytes written */
};

struct peer {
	struct p2p_peer_cfg cfg;
	struct sockaddr_storage addr;
	bool self; /* our own key, listed: never dialled, never accepted */
	bool dial; /* §4: we dial it */
	uint32_t backoff_first_ms; /* backoff_min_ms, or max when we yield */
	uint32_t backoff_ms;
	uint64_t dial_at_ms;
	struct conn *conn; /* the one link of this peer (see §4), or NULL */
	struct p2p_peer_info info;
};

struct p2p {
	uv_loop_t *loop;
	struct p2p_config cfg; /* peers and chain_id point into this struct */
	char chain_id[CHAIN_ID_BYTES_MAX + 1];
	struct peer *peers;
	uv_tcp_t listener;
	bool listening;
	uint16_t port;
	uv_timer_t tick;
	uv_prepare_t flush_prepare; /* before the loop polls */
	uv_check_t flush_check;	    /* after the I/O callbacks */
	struct conn *conns;
	size_t n_pending_in;
	size_t
	    handles; /* open libuv handles; p is freed at zero once closing */
	struct p2p_stats stats;
	bool closing;
	void (*done)(void *ctx);
	void *done_ctx;
	uint8_t read_buf[READ_BYTES];
};

static void conn_drop(struct conn *c);

/* --- addresses --------------------------------------------------------- */

/* A numeric address or a name, resolved once (blocking) at p2p_open. */
static int addr_resolve(uv_loop_t *loop, const char *host, uint16_t port,
			struct sockaddr_storage *out)
{
	uv_getaddrinfo_t req;
	struct addrinfo hints;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (uv_getaddrinfo(loop, &req, NULL, host, NULL, &hints) != 0)
		return ACC_ECONFIG;
	struct addrinfo *ai = req.addrinfo;
	int rc = ACC_ECONFIG;
	for (; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *)out;
			memcpy(in, ai->ai_addr, sizeof *in);
			in->sin_port = htons(port);
			rc = 0;
			break;
		}
		if (ai->ai_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
			memcpy(in6, ai->ai_addr, sizeof *in6);
			in6->sin6_port = htons(port);
			rc = 0;
			break;
		}
	}
	uv_freeaddrinfo(req.addrinfo);
	return rc;
}

/* --- handles and their close callbacks --------------------------------- */

static void handle_closed(struct p2p *p)
{
	assert(p->handles > 0);
	p->handles--;
	if (p->closing && p->handles == 0) {
		void (*done)(void *) = p->done;
		void *ctx = p->done_ctx;
		free(p->peers);
		free(p);
		if (done != NULL)
			done(ctx);
	}
}

static void p2p_handle_close_cb(uv_handle_t *h)
{
	handle_closed(h->data);
}

static void conn_close_cb(uv_handle_t *h)
{
	struct conn *c = (struct conn *)h;
	struct p2p *p = c->p;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		p->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	p2p_session_free(&c->s);
	free(c->out);
	free(c);
	handle_closed(p);
}

/* A new connection's memory and handle, in p->conns. */
static struct conn *conn_new(struct p2p *p)
{
	struct conn *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	if (uv_tcp_init(p->loop, &c->tcp) != 0) {
		free(c);
		return NULL;
	}
	c->tcp.data = c;
	c->p = p;
	c->peer = NO_PEER;
	c->start_ms = c->recv_ms = c->send_ms = uv_now(p->loop);
	c->next = p->conns;
	if (p->conns != NULL)
		p->conns->prev = c;
	p->conns = c;
	p->handles++;
	return c;
}

/* --- reconnection (§4) ------------------------------------------------- */

/* The next attempt in backoff/2 .. backoff ms (jitter, so that peers
 * that lost each other at once do not dial in lockstep). */
static void peer_schedule(struct p2p *p, struct peer *pe)
{
	uint32_t b = pe->backoff_ms, jitter = 0;
	random_bytes(&jitter, sizeof jitter);
	jitter %= b / 2 + 1;
	pe->dial_at_ms = uv_now(p->loop) + b - b / 2 + jitter;
	uint64_t next = (uint64_t)b * 2;
	pe->backoff_ms = next > p->cfg.backoff_max_ms ? p->cfg.backoff_max_ms
						      : (uint32_t)next;
}

/* Close c; its peer (if c was its link) goes down and is redialled
 * later. Callbacks of the owner run last, after c is already closing. */
static void conn_drop(struct conn *c)
{
	struct p2p *p = c->p;
	if (c->closing)
		return;
	c->closing = true;
	(void)uv_read_stop((uv_stream_t *)&c->tcp);
	uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
	if (c->pending_in) {
		c->pending_in = false;
		p->n_pending_in--;
	}
	if (c->peer == NO_PEER || p->peers[c->peer].conn != c)
		return;
	struct peer *pe = &p->peers[c->peer];
	pe->conn = NULL;
	if (c->open)
		pe->backoff_ms = pe->backoff_first_ms;
	peer_schedule(p, pe);
	if (c->open) {
		pe->info.connected = false;
		if (!p->closing && p->cfg.on_peer != NULL)
			p->cfg.on_peer(p->cfg.ctx, c->peer, false);
	}
}

/* --- writes ------------------------------------------------------------ */

static void conn_write_cb(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;
	struct conn *c = w->c;
	assert(c->queued_bytes >= w->len);
	c->queued_bytes -= w->len;
	if (status == 0 && c->peer != NO_PEER)
		c->p->peers[c->peer].info.bytes_out += w->msg_len;
	free(w->data);
	free(w);
	if (status < 0 && !c->closing)
		conn_drop(c);
}

/* Hand w to libuv; its bytes count in queued_bytes until written. */
static int conn_write(struct conn *c, struct wreq *w)
{
	uv_buf_t b = uv_buf_init((char *)w->data, (unsigned int)w->len);
	w->c = c;
	c->queued_bytes += w->len;
	c->send_ms = uv_now(c->p->loop);
	int rc =
	    uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, conn_write_cb);
	if (rc != 0) {
		c->queued_bytes -= w->len;
		free(w->data);
		free(w);
		conn_drop(c);
		return ACC_ENET;
	}
	return 0;
}

/* A write request owning data (len bytes, of which msg_len are node
 * messages); data is freed on failure. */
static struct wreq *wreq_new(uint8_t *data, size_t len, size_t msg_len)
{
	struct wreq *w = malloc(sizeof *w);
	if (w == NULL) {
		free(data);
		return NULL;
	}
	w->data = data;
	w->len = len;
	w->msg_len = msg_len;
	return w;
}

/* §5 "Writes": the frames sealed since the last flush, in one write. */
static int conn_flush(struct conn *c)
{
	if (c->out_len == 0 || c->closing)
		return 0;
	size_t len = c->out_len, msg_len = c->out_msg_bytes;
	/* They leave the buffer for the request: not counted twice. */
	c->queued_bytes -= len;
	struct wreq *w = wreq_new(c->out, len, msg_len);
	c->out = NULL;
	c->out_len = c->out_cap = c->out_msg_bytes = 0;
	if (w == NULL) {
		conn_drop(c);
		return ACC_ENOMEM;
	}
	return conn_write(c, w);
}

/* Every link's sealed frames, once per loop iteration (before the loop
 * blocks in poll, and after the callbacks of the I/O it polled). */
static void flush_all(struct p2p *p)
{
	for (struct conn *c = p->conns; c != NULL; c = c->next)
		if (c->out_len > 0)
			(void)conn_flush(c);
}

static void flush_prepare_cb(uv_prepare_t *h)
{
	flush_all(h->data);
}

static void flush_check_cb(uv_check_t *h)
{
	flush_all(h->data);
}

/* One frame, sealed now (the session's nonce order is the send order)
 * and written with the others of this loop iteration. */
static int conn_send_frame(struct conn *c, enum p2p_frame_type type,
			   const uint8_t *body, size_t n)
{
	size_t len = p2p_session_frame_bytes(n);
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 16384u;
		while (cap < c->out_len + len)
			cap *= 2;
		uint8_t *out = realloc(c->out, cap);
		if (out == NULL)
			return ACC_ENOMEM;
		c->out = out;
		c->out_cap = cap;
	}
	p2p_session_seal(&c->s, type, body, n, c->out + c->out_len);
	c->out_len += len;
	c->queued_bytes += len;
	if (type == P2P_FRAME_MSG)
		c->out_msg_bytes += n;
	c->send_ms = uv_now(c->p->loop);
	if (c->out_len >= FLUSH_BYTES)
		return conn_flush(c);
	return 0;
}

static void conn_ping(struct conn *c, enum p2p_frame_type type)
{
	/* §5: control frames respect the send bound too, so a peer that
	 * pings and never reads cannot grow our memory. */
	if (c->queued_bytes + p2p_session_frame_bytes(0) >
	    c->p->cfg.send_queue_max)
		return;
	(void)conn_send_frame(c, type, NULL, 0);
}

/* --- the session's callbacks ------------------------------------------- */

static int sess_send(void *ctx, const uint8_t *data, size_t n)
{
	struct conn *c = ctx;
	uint8_t *copy = malloc(n ? n : 1);
	if (copy == NULL)
		return ACC_ENOMEM;
	memcpy(copy, data, n);
	struct wreq *w = wreq_new(copy, n, 0);
	if (w == NULL)
		return ACC_ENOMEM;
	return conn_write(c, w);
}

static size_t peer_find(const struct p2p *p, const uint8_t pk[PUBKEY_BYTES])
{
	for (size_t i = 0; i < p->cfg.n_peers; i++)
		if (memcmp(p->peers[i].cfg.pubkey, pk, PUBKEY_BYTES) == 0)
			return i;
	return NO_PEER;
}

static bool self_smaller(const struct p2p *p, const struct peer *pe)
{
	return memcmp(p->cfg.key->pk, pe->cfg.pubkey, PUBKEY_BYTES) < 0;
}

/* §4: who may hold the link of the key that just proved itself. */
static int sess_authorize(void *ctx, const uint8_t pk[PUBKEY_BYTES])
{
	struct conn *c = ctx;
	struct p2p *p = c->p;
	if (c->outbound) {
		struct peer *pe = &p->peers[c->peer];
		if (memcmp(pk, pe->cfg.pubkey, PUBKEY_BYTES) != 0)
			return ACC_EMISMATCH; /* another key at that address */
		return pe->conn == c ? 0 : ACC_EDUP;
	}
	size_t i = peer_find(p, pk);
	if (i == NO_PEER || p->peers[i].self)
		return ACC_EUNKNOWNKEY;
	struct peer *pe = &p->peers[i];
	if (pe->conn != NULL) {
		/* Two links for one pair: the one dialled by the smaller key
		 * stays. Both ends apply the same rule, so they agree. When the
		 * peer dialled both (it restarted, and we have not yet seen the
		 * old link die), the new one is the duplicate. */
		struct conn *old = pe->conn;
		if (!old->outbound || self_smaller(p, pe)) {
			p->stats.duplicates_refused++;
			return ACC_EDUP;
		}
		conn_drop(old);
	}
	c->peer = i;
	pe->conn = c;
	return 0;
}

static int sess_open(void *ctx)
{
	struct conn *c = ctx;
	struct p2p *p = c->p;
	struct peer *pe = &p->peers[c->peer];
	assert(pe->conn == c);
	if (c->pending_in) {
		c->pending_in = false;
		p->n_pending_in--;
	}
	c->open = true;
	c->recv_ms = uv_now(p->loop);
	pe->backoff_ms = pe->backoff_first_ms;
	pe->info.connected = true;
	pe->info.connects++;
	if (p->cfg.on_peer != NULL)
		p->cfg.on_peer(p->cfg.ctx, c->peer, true);
	return c->closing || p->closing ? ACC_ESTATE : 0;
}

static int sess_frame(void *ctx, enum p2p_frame_type type, const uint8_t *body,
		      size_t n)
{
	struct conn *c = ctx;
	struct p2p *p = c->p;
	struct peer *pe = &p->peers[c->peer];
	pe->info.last_seen_ms = uv_now(p->loop);
	switch (type) {
	case P2P_FRAME_MSG:
		pe->info.msgs_in++;
		pe->info.bytes_in += n;
		if (p->cfg.on_message != NULL)
			p->cfg.on_message(p->cfg.ctx, c->peer, body, n);
		break;
	case P2P_FRAME_PING:
		conn_ping(c, P2P_FRAME_PONG);
		break;
	case P2P_FRAME_PONG:
		break;
	}
	return c->closing || p->closing ? ACC_ESTATE : 0;
}

static struct p2p_session_cb sess_cb(struct conn *c)
{
	struct p2p_session_cb cb = {sess_send, sess_authorize, sess_open,
				    sess_frame, c};
	return cb;
}

/* --- reads ------------------------------------------------------------- */

static void conn_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	struct conn *c = (struct conn *)h;
	(void)hint;
	/* One buffer serves every connection: a read is consumed entirely
	 * before its callback returns. */
	*buf = uv_buf_init((char *)c->p->read_buf, READ_BYTES);
}

static void conn_read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct conn *c = (struct conn *)st;
	struct p2p *p = c->p;
	if (c->closing || nread == 0)
		return;
	if (nread < 0) {
		/* EOF or error: a peer that hangs up mid-handshake (it refused
		 * us, say) failed that handshake. */
		if (!c->open)
			p->stats.handshakes_failed++;
		conn_drop(c);
		return;
	}
	c->recv_ms = uv_now(p->loop);
	struct p2p_session_cb cb = sess_cb(c);
	int rc = p2p_session_read(&c->s, (const uint8_t *)buf->base,
				  (size_t)nread, &cb);
	if (rc == 0 || c->closing)
		return;
	if (c->open)
		p->stats.frames_bad++;
	else
		p->stats.handshakes_failed++;
	conn_drop(c);
}

/* --- dialling and accepting -------------------------------------------- */

static void conn_connect_cb(uv_connect_t *req, int status)
{
	struct conn *c = req->data;
	if (c->closing)
		return;
	if (status < 0) {
		conn_drop(c);
		return;
	}
	struct p2p_session_cb cb = sess_cb(c);
	if (uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb,
			  conn_read_cb) != 0 ||
	    p2p_session_start(&c->s, &cb) != 0) {
		if (!c->closing)
			conn_drop(c);
	}
}

static int session_init(struct p2p *p, struct conn *c, enum p2p_role role)
{
	struct p2p_session_cfg sc = {0};
	sc.role = role;
	sc.key = p->cfg.key;
	sc.chain_id = p->chain_id;
	sc.frame_max = p->cfg.frame_max;
	return p2p_session_init(&c->s, &sc);
}

static void peer_dial(struct p2p *p, size_t i)
{
	struct peer *pe = &p->peers[i];
	struct conn *c = conn_new(p);
	if (c == NULL) {
		peer_schedule(p, pe);
		return;
	}
	c->outbound = true;
	c->peer = i;
	pe->conn = c;
	c->connect.data = c;
	if (session_init(p, c, P2P_ROLE_INITIATOR) != 0 ||
	    uv_tcp_nodelay(&c->tcp, 1) != 0 ||
	    uv_tcp_connect(&c->connect, &c->tcp,
			   (const struct sockaddr *)&pe->addr,
			   conn_connect_cb) != 0)
		conn_drop(c);
}

static void listen_cb(uv_stream_t *server, int status)
{
	struct p2p *p = server->data;
	if (status < 0 || p->closing)
		return;
	struct conn *c = conn_new(p);
	if (c == NULL)
		return; /* the connection waits in the backlog */
	if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0) {
		conn_drop(c);
		return;
	}
	c->pending_in = true;
	p->n_pending_in++;
	/* §5: a bound on unauthenticated connections. */
	if (p->n_pending_in > PENDING_IN_MAX ||
	    session_init(p, c, P2P_ROLE_RESPONDER) != 0) {
		p->stats.handshakes_failed++;
		conn_drop(c);
		return;
	}
	(void)uv_tcp_nodelay(&c->tcp, 1);
	if (uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb,
			  conn_read_cb) != 0)
		conn_drop(c);
}

/* --- timers (§5) ------------------------------------------------------- */

static void tick_cb(uv_timer_t *t)
{
	struct p2p *p = t->data;
	uint64_t now = uv_now(p->loop);
	for (struct conn *c = p->conns; c != NULL; c = c->next) {
		if (c->closing)
			continue;
		if (!c->open) {
			if (now - c->start_ms >= p->cfg.handshake_timeout_ms) {
				p->stats.handshakes_failed++;
				conn_drop(c);
			}
		} else if (now - c->recv_ms >= p->cfg.idle_timeout_ms) {
			p->stats.idle_drops++;
			conn_drop(c);
		} else if (now - c->send_ms >= p->cfg.keepalive_ms) {
			conn_ping(c, P2P_FRAME_PING);
		}
		if (p->closing)
			return;
	}
	for (size_t i = 0; i < p->cfg.n_peers; i++) {
		struct peer *pe = &p->peers[i];
		if (pe->dial && pe->conn == NULL && now >= pe->dial_at_ms)
			peer_dial(p, i);
	}
}

/* --- public ------------------------------------------------------------ */

static int config_check(struct p2p *p, const struct p2p_config *in,
			struct acc_err *err)
{
	struct p2p_config *cfg = &p->cfg;
	*cfg = *in;
	size_t cl = in->chain_id != NULL ? strlen(in->chain_id) : 0;
	if (cl == 0 || cl > CHAIN_ID_BYTES_MAX)
		return acc_err_set(err, ACC_ECONFIG, "p2p: bad chain id");
	memcpy(p->chain_id, in->chain_id, cl + 1);
	cfg->chain_id = p->chain_id;
	if (in->key == NULL || in->key->sk == NULL)
		return acc_err_set(err, ACC_ECONFIG, "p2p: no key");
	if (in->n_peers > PEERS_MAX || (in->n_peers > 0 && in->peers == NULL))
		return acc_err_set(err, ACC_ECONFIG, "p2p: %zu peers (max %u)",
				   in->n_peers, PEERS_MAX);
	if (cfg->frame_max == 0)
		cfg->frame_max = MSG_BYTES_MAX;
	if (cfg->send_queue_max == 0)
		cfg->send_queue_max = DEFAULT_SEND_QUEUE_BYTES;
	if (cfg->keepalive_ms == 0)
		cfg->keepalive_ms = DEFAULT_KEEPALIVE_MS;
	if (cfg->idle_timeout_ms == 0)
		cfg->idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
	if (cfg->handshake_timeout_ms == 0)
		cfg->handshake_timeout_ms = DEFAULT_HANDSHAKE_TIMEOUT_MS;
	if (cfg->backoff_min_ms == 0)
		cfg->backoff_min_ms = DEFAULT_BACKOFF_MIN_MS;
	if (cfg->backoff_max_ms == 0)
		cfg->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
	if (cfg->frame_max > UINT32_MAX - P2P_FRAME_OVERHEAD)
		return acc_err_set(err, ACC_ECONFIG, "p2p: frame_max too big");
	if (cfg->send_queue_max < p2p_session_frame_bytes(cfg->frame_max))
		return acc_err_set(err, ACC_ECONFIG,
				   "p2p: send_queue_max below one frame");
	if (cfg->idle_timeout_ms <= cfg->keepalive_ms)
		return acc_err_set(err, ACC_ECONFIG,
				   "p2p: idle timeout not above keepalive");
	if (cfg->backoff_min_ms > cfg->backoff_max_ms)
		return acc_err_set(err, ACC_ECONFIG, "p2p: backoff min > max");
	return 0;
}

static int peers_init(struct p2p *p, struct acc_err *err)
{
	size_t n = p->cfg.n_peers;
	p->peers = calloc(n > 0 ? n : 1, sizeof *p->peers);
	if (p->peers == NULL)
		return acc_err_set(err, ACC_ENOMEM, "p2p: peers");
	bool listens = p->cfg.listen_host != NULL;
	for (size_t i = 0; i < n; i++) {
		struct peer *pe = &p->peers[i];
		pe->cfg = p->cfg.peers[i];
		if (memchr(pe->cfg.host, 0, sizeof pe->cfg.host) == NULL)
			return acc_err_set(err, ACC_ECONFIG,
					   "p2p: peer %zu: host too long", i);
		if (peer_find(p, pe->cfg.pubkey) != i)
			return acc_err_set(err, ACC_ECONFIG,
					   "p2p: peer %zu: key listed twice",
					   i);
		pe->self =
		    memcmp(pe->cfg.pubkey, p->cfg.key->pk, PUBKEY_BYTES) == 0;
		pe->dial = !pe->self && pe->cfg.port != 0;
		/* §4: of two nodes that can dial each other, the smaller key
		 * dials; the other waits backoff_max first, so that it still
		 * reaches a peer that does not know its address. */
		pe->backoff_first_ms = listens && !self_smaller(p, pe)
					   ? p->cfg.backoff_max_ms
					   : p->cfg.backoff_min_ms;
		pe->backoff_ms = pe->backoff_first_ms;
		pe->dial_at_ms = uv_now(p->loop);
		if (pe->backoff_first_ms != p->cfg.backoff_min_ms)
			peer_schedule(p, pe);
		if (pe->dial && addr_resolve(p->loop, pe->cfg.host,
					     pe->cfg.port, &pe->addr) != 0)
			return acc_err_set(err, ACC_ECONFIG,
					   "p2p: peer %zu: cannot resolve '%s'",
					   i, pe->cfg.host);
	}
	return 0;
}

static int listen_start(struct p2p *p, struct acc_err *err)
{
	struct sockaddr_storage sa;
	if (addr_resolve(p->loop, p->cfg.listen_host, p->cfg.listen_port,
			 &sa) != 0)
		return acc_err_set(err, ACC_ECONFIG,
				   "p2p: cannot resolve listen address '%s'",
				   p->cfg.listen_host);
	if (uv_tcp_init(p->loop, &p->listener) != 0)
		return acc_err_set(err, ACC_EIO, "p2p: tcp init");
	p->listener.data = p;
	p->handles++;
	p->listening = true;
	int rc = uv_tcp_bind(&p->listener, (const struct sockaddr *)&sa, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&p->listener, 128, listen_cb);
	if (rc != 0)
		return acc_err_set(err, ACC_EIO, "p2p: listen on %s:%u: %s",
				   p->cfg.listen_host, p->cfg.listen_port,
				   uv_strerror(rc));
	struct sockaddr_storage bound;
	int len = (int)sizeof bound;
	if (uv_tcp_getsockname(&p->listener, (struct sockaddr *)&bound, &len) !=
	    0)
		return acc_err_set(err, ACC_EIO, "p2p: getsockname");
	p->port = bound.ss_family == AF_INET6
		      ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
		      : ntohs(((struct sockaddr_in *)&bound)->sin_port);
	return 0;
}

int p2p_open(struct p2p **out, uv_loop_t *loop, const struct p2p_config *cfg,
	     struct acc_err *err)
{
	*out = NULL;
	if (crypto_lib_init() != 0)
		return acc_err_set(err, ACC_ECRYPTO, "p2p: libsodium");
	struct p2p *p = calloc(1, sizeof *p);
	if (p == NULL)
		return acc_err_set(err, ACC_ENOMEM, "p2p: out of memory");
	p->loop = loop;
	int rc = config_check(p, cfg, err);
	if (rc == 0)
		rc = peers_init(p, err);
	if (rc != 0) {
		free(p->peers);
		free(p);
		return rc;
	}
	p->cfg.peers = NULL; /* copied into p->peers */
	if (uv_timer_init(loop, &p->tick) != 0) {
		free(p->peers);
		free(p);
		return acc_err_set(err, ACC_EIO, "p2p: timer init");
	}
	p->tick.data = p;
	p->handles++;
	(void)uv_prepare_init(loop, &p->flush_prepare);
	p->flush_prepare.data = p;
	p->handles++;
	(void)uv_check_init(loop, &p->flush_check);
	p->flush_check.data = p;
	p->handles++;
	(void)uv_prepare_start(&p->flush_prepare, flush_prepare_cb);
	(void)uv_check_start(&p->flush_check, flush_check_cb);
	if (p->cfg.listen_host != NULL && (rc = listen_start(p, err)) != 0) {
		p2p_close(p, NULL, NULL);
		return rc;
	}
	/* The tick drives every timer of §5; a quarter of the shortest one
	 * keeps each within 25% of its value. */
	uint64_t t = p->cfg.keepalive_ms;
	if (p->cfg.handshake_timeout_ms < t)
		t = p->cfg.handshake_timeout_ms;
	if (p->cfg.backoff_min_ms < t)
		t = p->cfg.backoff_min_ms;
	t /= 4;
	t = t < 1 ? 1 : t > 250 ? 250 : t;
	(void)uv_timer_start(&p->tick, tick_cb, 0, t);
	*out = p;
	return 0;
}

void p2p_close(struct p2p *p, void (*done)(void *ctx), void *ctx)
{
	assert(!p->closing);
	p->closing = true;
	p->done = done;
	p->done_ctx = ctx;
	for (struct conn *c = p->conns; c != NULL; c = c->next)
		conn_drop(c);
	if (p->listening)
		uv_close((uv_handle_t *)&p->listener, p2p_handle_close_cb);
	uv_close((uv_handle_t *)&p->tick, p2p_handle_close_cb);
	uv_close((uv_handle_t *)&p->flush_prepare, p2p_handle_close_cb);
	uv_close((uv_handle_t *)&p->flush_check, p2p_handle_close_cb);
}

int p2p_send(struct p2p *p, size_t peer, const uint8_t *msg, size_t len)
{
	assert(peer < p->cfg.n_peers);
	struct peer *pe = &p->peers[peer];
	if (len > p->cfg.frame_max)
		return ACC_ETOOBIG;
	struct conn *c = pe->conn;
	if (p->closing || c == NULL || !c->open || c->closing)
		return ACC_ESTATE;
	if (c->queued_bytes + p2p_session_frame_bytes(len) >
	    p->cfg.send_queue_max) {
		pe->info.refused_full++;
		return ACC_EFULL;
	}
	int rc = conn_send_frame(c, P2P_FRAME_MSG, msg, len);
	if (rc == ACC_ENET)
		return ACC_ESTATE; /* the link just failed and is closing */
	if (rc == 0)
		pe->info.msgs_out++;
	return rc;
}

uint16_t p2p_listen_port(const struct p2p *p)
{
	return p->port;
}

void p2p_peer_info(const struct p2p *p, size_t peer, struct p2p_peer_info *out)
{
	assert(peer < p->cfg.n_peers);
	const struct peer *pe = &p->peers[peer];
	*out = pe->info;
	out->queued_bytes =
	    pe->conn != NULL && pe->conn->open ? pe->conn->queued_bytes : 0;
}

void p2p_stats_get(const struct p2p *p, struct p2p_stats *out)
{
	*out = p->stats;
}
