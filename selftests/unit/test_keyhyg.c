// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Key hygiene of the tcpcrypt session: a fresh ephemeral key pair per
 * session for every TEP, each secret wiped as soon as RFC 8548 allows
 * (tcpinc_session_get_secrets_held()), rekeyed traffic keys that still
 * follow the key schedule, and nothing left behind by
 * tcpinc_session_free() and tcpinc_resume_state_clear(), on error paths
 * too.
 *
 * sodium_malloc()/sodium_free() and EVP_CIPHER_CTX_new()/_free() are
 * wrapped below; the static proto library binds to these definitions.
 * Every guarded region must be all zero when it is freed (sodium_free()
 * would wipe it anyway: this checks that our code did first), and after
 * each scenario no guarded region and no AEAD context may be live.
 */
#include <dlfcn.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <openssl/evp.h>

#include "proto/frame.h"
#include "proto/guarded.h"
#include "proto/init_msg.h"
#include "proto/keysched.h"
#include "proto/session.h"
#include "proto/session_ext.h"
#include "test.h"

/* ---- allocation wrappers ------------------------------------------- */

#define MAX_LIVE 64

static struct {
	void *p;
	size_t n;
} guarded[MAX_LIVE];
static int guarded_live, guarded_untracked, unwiped_frees, guarded_allocs;
static long ctx_live;

void *sodium_malloc(const size_t size)
{
	static void *(*real)(size_t);
	void *p;
	int i;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "sodium_malloc");
	p = real(size);
	if (!p)
		return NULL;
	guarded_allocs++;
	for (i = 0; i < MAX_LIVE && guarded[i].p; i++)
		;
	if (i == MAX_LIVE) {
		guarded_untracked++;
		return p;
	}
	guarded[i].p = p;
	guarded[i].n = size;
	guarded_live++;
	return p;
}

void sodium_free(void *p)
{
	static void (*real)(void *);
	int i;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "sodium_free");
	for (i = 0; p && i < MAX_LIVE; i++) {
		if (guarded[i].p != p)
			continue;
		if (!sodium_is_zero(p, guarded[i].n))
			unwiped_frees++;
		guarded[i].p = NULL;
		guarded_live--;
		break;
	}
	real(p);
}

EVP_CIPHER_CTX *EVP_CIPHER_CTX_new(void)
{
	static EVP_CIPHER_CTX *(*real)(void);
	EVP_CIPHER_CTX *c;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "EVP_CIPHER_CTX_new");
	c = real();
	if (c)
		ctx_live++;
	return c;
}

void EVP_CIPHER_CTX_free(EVP_CIPHER_CTX *c)
{
	static void (*real)(EVP_CIPHER_CTX *);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "EVP_CIPHER_CTX_free");
	if (c)
		ctx_live--;
	real(c);
}

/* AEAD contexts OpenSSL itself keeps (its DRBG), counted after warm-up. */
static long ctx_base;

/*
 * Nothing secret is left: every guarded region freed and wiped first
 * (the pool, when on, is drained: its regions must be wiped too).
 */
static void check_clean(void)
{
	tcpinc_guarded_pool_drain();
	CHECK_EQ(guarded_live, 0);
	CHECK_EQ(guarded_untracked, 0);
	CHECK_EQ(unwiped_frees, 0);
	CHECK_EQ(ctx_live, ctx_base);
	unwiped_frees = 0;
}

/* ---- helpers -------------------------------------------------------- */

#define BUF (1u << 18)

static const uint8_t teps[] = {0x21, 0x22, 0x23, 0x24};
static const uint8_t transcript[] = {0x45, 0x04, 0x21, 0x23,
				     0x45, 0x04, 0x01, 0x23};

struct end {
	struct tcpinc_session *s;
	struct tcpinc_io io;
	size_t consumed; /* of the peer's stream */
};

static void end_new(struct end *e, int role, uint8_t tep)
{
	struct tcpinc_session_cfg c = {
		.role = (uint8_t)role,
		.tep = tep,
		.transcript = transcript,
		.transcript_len = sizeof(transcript),
	};

	memset(e, 0, sizeof(*e));
	e->io.net_out = malloc(BUF);
	e->io.app_out = malloc(BUF);
	e->io.net_cap = e->io.app_cap = BUF;
	CHECK(e->io.net_out && e->io.app_out);
	e->s = tcpinc_session_new(&c);
	CHECK(e->s != NULL);
}

static void end_free(struct end *e)
{
	tcpinc_session_free(e->s);
	free(e->io.net_out);
	free(e->io.app_out);
	e->s = NULL;
}

/* Everything the peer sent so far to `me`; 0 or -errno. */
static int deliver(struct end *me, struct end *peer)
{
	ssize_t r;

	r = tcpinc_session_input(me->s, peer->io.net_out + me->consumed,
				 peer->io.net_len - me->consumed, &me->io);
	if (r < 0)
		return (int)r;
	me->consumed += (size_t)r;
	return 0;
}

static struct tcpinc_secrets_held held(struct end *e)
{
	struct tcpinc_secrets_held h;

	tcpinc_session_get_secrets_held(e->s, &h);
	return h;
}

static bool holds_nothing(struct end *e)
{
	struct tcpinc_secrets_held h = held(e);

	return !h.priv && !h.es && !h.ss && !h.mk_tx && !h.mk_rx && !h.tx_key &&
	       !h.rx_key && !h.scratch;
}

/* Ready: no ephemeral secret, the next mk and keys both ways, ss[i+1]. */
static bool holds_ready(struct end *e)
{
	struct tcpinc_secrets_held h = held(e);

	return !h.priv && !h.es && h.ss && h.mk_tx && h.mk_rx && h.tx_key &&
	       h.rx_key && !h.scratch;
}

static size_t pk_len(uint8_t tep)
{
	return tep == 0x21 ? 35 : tep == 0x22 ? 69 : tep == 0x23 ? 32 : 56;
}

/* A pair of fresh sessions with the Init exchange done. */
static void pair_ready(struct end *a, struct end *b, uint8_t tep)
{
	end_new(a, 0, tep);
	end_new(b, 1, tep);
	CHECK_EQ(tcpinc_session_start(a->s, &a->io), 0);
	CHECK_EQ(deliver(b, a), 0);
	CHECK_EQ(deliver(a, b), 0);
	CHECK(tcpinc_session_ready(a->s) && tcpinc_session_ready(b->s));
}

/* ---- tests ---------------------------------------------------------- */

/*
 * Every session generates its own key pair and nonce: two A sessions
 * send different Pub_A/N_A, two B sessions answering the very same Init1
 * send different Pub_B/N_B. For every TEP.
 */
static void test_fresh_keypair_per_session(void)
{
	size_t t;

	for (t = 0; t < sizeof(teps); t++) {
		size_t pk = pk_len(teps[t]);
		struct end a1, a2, b1, b2;
		const uint8_t *i1, *i2;

		end_new(&a1, 0, teps[t]);
		end_new(&a2, 0, teps[t]);
		end_new(&b1, 1, teps[t]);
		end_new(&b2, 1, teps[t]);
		CHECK_EQ(tcpinc_session_start(a1.s, &a1.io), 0);
		CHECK_EQ(tcpinc_session_start(a2.s, &a2.io), 0);
		CHECK_EQ(a1.io.net_len, a2.io.net_len);
		/* Init1 = header(9) | 3 AEADs(6) | N_A(32) | Pub_A */
		CHECK_EQ(a1.io.net_len, 15 + 32 + pk);
		CHECK(memcmp(a1.io.net_out + 15, a2.io.net_out + 15, 32));
		CHECK(memcmp(a1.io.net_out + 47, a2.io.net_out + 47, pk));

		/* Both B get a1's Init1. */
		CHECK_EQ(deliver(&b1, &a1), 0);
		CHECK_EQ(deliver(&b2, &a1), 0);
		i1 = b1.io.net_out;
		i2 = b2.io.net_out;
		CHECK_EQ(b1.io.net_len, 42 + pk);
		CHECK_EQ(b2.io.net_len, 42 + pk);
		CHECK(memcmp(i1 + 10, i2 + 10, 32)); /* N_B */
		CHECK(memcmp(i1 + 42, i2 + 42, pk)); /* Pub_B */
		CHECK(memcmp(i1 + 42, a1.io.net_out + 47, pk));
		end_free(&a1);
		end_free(&a2);
		end_free(&b1);
		end_free(&b2);
		check_clean();
	}
}

/*
 * When each secret goes, for every TEP: the private key lives from
 * keygen to ES only, ES never outlives a call, the ss[i+1] of a ready
 * session until taken or forgotten, and after FINp both ways neither
 * host holds any mk or traffic key.
 */
static void test_secrets_lifecycle(void)
{
	size_t t;

	for (t = 0; t < sizeof(teps); t++) {
		struct tcpinc_resume_state st, zero;
		struct tcpinc_secrets_held h;
		struct end a, b;

		end_new(&a, 0, teps[t]);
		end_new(&b, 1, teps[t]);
		CHECK(holds_nothing(&a) && holds_nothing(&b));

		/* A with too little room sends nothing and keeps no key. */
		a.io.net_cap = 8;
		CHECK_EQ(tcpinc_session_start(a.s, &a.io), -ENOBUFS);
		CHECK(holds_nothing(&a));
		a.io.net_cap = BUF;

		CHECK_EQ(tcpinc_session_start(a.s, &a.io), 0);
		h = held(&a);
		CHECK(h.priv && !h.es && !h.ss && !h.mk_tx && !h.tx_key);
		CHECK_EQ(deliver(&b, &a), 0);
		CHECK(holds_ready(&b));
		CHECK_EQ(deliver(&a, &b), 0);
		CHECK(holds_ready(&a));

		/* Rekeys both ways: still exactly one key per direction. */
		CHECK_EQ(tcpinc_session_rekey(a.s, &a.io), 0);
		CHECK_EQ(deliver(&b, &a), 0);
		CHECK_EQ(deliver(&a, &b), 0);
		CHECK(holds_ready(&a) && holds_ready(&b));

		/* ss[i+1] leaves with the resume state or is forgotten. */
		CHECK_EQ(tcpinc_session_take_resume_state(a.s, &st), 0);
		CHECK(st.ss != NULL);
		CHECK(!held(&a).ss);
		tcpinc_resume_state_clear(&st);
		memset(&zero, 0, sizeof(zero));
		CHECK_MEM(&st, &zero, sizeof(st));
		tcpinc_session_forget_resume_state(b.s);
		CHECK(!held(&b).ss);

		/* A's FINp: its sending mk and key go at once. */
		CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"x", 1,
					       true, &a.io),
			 1);
		h = held(&a);
		CHECK(!h.mk_tx && !h.tx_key && h.mk_rx && h.rx_key);
		CHECK_EQ(deliver(&b, &a), 0);
		CHECK(b.io.eof);
		h = held(&b);
		CHECK(h.mk_tx && h.tx_key && !h.mk_rx && !h.rx_key);

		/* A peer's rekey after our FINp still works, then B's FINp. */
		CHECK_EQ(tcpinc_session_rekey(b.s, &b.io), 0);
		CHECK_EQ(tcpinc_session_output(b.s, NULL, 0, true, &b.io), 0);
		CHECK(holds_nothing(&b));
		CHECK_EQ(deliver(&a, &b), 0);
		CHECK(a.io.eof);
		CHECK(holds_nothing(&a));
		end_free(&a);
		end_free(&b);
		check_clean();
	}
}

/* A session that dies holds nothing, whatever it held before. */
static void test_secrets_wiped_on_error(void)
{
	size_t t;

	for (t = 0; t < sizeof(teps); t++) {
		size_t pk = pk_len(teps[t]);
		struct end a, b;

		/* B: a bad Pub_A after its own key pair was made. */
		end_new(&a, 0, teps[t]);
		end_new(&b, 1, teps[t]);
		CHECK_EQ(tcpinc_session_start(a.s, &a.io), 0);
		memset(a.io.net_out + a.io.net_len - pk, 0, pk);
		CHECK_EQ(deliver(&b, &a), -EKEYREJECTED);
		CHECK(holds_nothing(&b));
		end_free(&a);
		end_free(&b);
		check_clean();

		/* A: a bad Pub_B while A holds its private key. */
		end_new(&a, 0, teps[t]);
		end_new(&b, 1, teps[t]);
		CHECK_EQ(tcpinc_session_start(a.s, &a.io), 0);
		CHECK_EQ(deliver(&b, &a), 0);
		memset(b.io.net_out + 42, 0, pk);
		CHECK(held(&a).priv);
		CHECK_EQ(deliver(&a, &b), -EKEYREJECTED);
		CHECK(holds_nothing(&a));
		end_free(&a);
		end_free(&b);
		check_clean();

		/* A ready session and a forged frame. */
		pair_ready(&a, &b, teps[t]);
		CHECK_EQ(tcpinc_session_output(a.s, (const uint8_t *)"abc", 3,
					       false, &a.io),
			 3);
		a.io.net_out[a.io.net_len - 1] ^= 1;
		CHECK_EQ(deliver(&b, &a), -EBADMSG);
		CHECK(holds_nothing(&b));
		/* ... and one that gets an Init message it cannot use. */
		a.io.net_out[a.io.net_len - 1] ^= 1;
		end_free(&b);
		end_new(&b, 1, teps[t]);
		a.io.net_out[0] ^= 0xff; /* bad magic */
		CHECK_EQ(deliver(&b, &a), -EPROTO);
		CHECK(holds_nothing(&b));
		end_free(&a);
		end_free(&b);
		check_clean();
	}
}

/* Open the frame at net[*off] with k_ab[j] or k_ba[j] from mk[j]. */
static void open_with(const uint8_t *mk, bool key_a, const uint8_t *net,
		      size_t *off, bool rekey, ssize_t want)
{
	uint8_t k[TCPINC_TRAFFIC_KEY_MAX], out[64], flags;
	struct tcpinc_frame_key fk;

	CHECK_EQ(tcpinc_keysched_traffic(k, 28, mk, key_a), 0);
	CHECK_EQ(tcpinc_frame_key_init(&fk, TCPINC_AEAD_AES_128_GCM, k, false),
		 0);
	sodium_memzero(k, sizeof(k));
	CHECK_EQ(net[*off], rekey ? TCPINC_FRAME_CTL_REKEY : 0);
	CHECK_EQ(tcpinc_frame_open(&fk, *off, net + *off, out, &flags, NULL),
		 want);
	if (want == 1)
		CHECK_EQ(out[0], 'g');
	*off += tcpinc_frame_len(net + *off, 3);
	tcpinc_frame_key_free(&fk);
}

/*
 * The session keeps mk[j+1] rather than mk[j]: check that generations
 * 0..4 still use k_ab[j] / k_ba[j] of the key schedule, both for our
 * own rekeys and for the peer's answers, with frames opened by keys
 * derived here independently. Both roles.
 */
static void test_rekey_keys_follow_schedule(void)
{
	static const uint8_t ss[32] = {0x5a, 0x17};
	uint8_t mk[TCPINC_K_LEN];
	int role, j;

	for (role = 0; role < 2; role++) {
		struct tcpinc_session_cfg cs = {.role = (uint8_t)role,
						.tep = 0x23};
		struct tcpinc_session_cfg cp = {.role = (uint8_t)!role,
						.tep = 0x23};
		struct tcpinc_session_info info;
		struct end s = {0}, p = {0};
		size_t soff = 0, poff = 0;

		s.io.net_out = malloc(BUF);
		s.io.app_out = malloc(BUF);
		p.io.net_out = malloc(BUF);
		p.io.app_out = malloc(BUF);
		s.io.net_cap = s.io.app_cap = p.io.net_cap = p.io.app_cap = BUF;
		s.s = tcpinc_session_new_keyed(&cs, TCPINC_AEAD_AES_128_GCM,
					       ss);
		p.s = tcpinc_session_new_keyed(&cp, TCPINC_AEAD_AES_128_GCM,
					       ss);
		CHECK(s.s && p.s && s.io.net_out && s.io.app_out &&
		      p.io.net_out && p.io.app_out);
		CHECK_EQ(tcpinc_keysched_mk0(mk, ss, NULL, 0), 0);
		for (j = 0; j < 5; j++) {
			if (j) {
				CHECK_EQ(tcpinc_session_rekey(s.s, &s.io), 0);
				CHECK_EQ(tcpinc_keysched_next_mk(mk), 0);
				open_with(mk, role == 0, s.io.net_out, &soff,
					  true, 0);
			}
			CHECK_EQ(tcpinc_session_output(s.s,
						       (const uint8_t *)"g", 1,
						       false, &s.io),
				 1);
			open_with(mk, role == 0, s.io.net_out, &soff, false, 1);
			/* The peer reads it all and answers a rekey with
			 * its own generation-j rekey=1 frame. */
			CHECK_EQ(deliver(&p, &s), 0);
			CHECK_EQ(p.consumed, s.io.net_len);
			if (j)
				open_with(mk, role != 0, p.io.net_out, &poff,
					  true, 0);
			CHECK_EQ(poff, p.io.net_len);
			CHECK_EQ(deliver(&s, &p), 0);
			tcpinc_session_get_info(s.s, &info);
			CHECK_EQ(info.local_gen, (uint32_t)j);
			CHECK_EQ(info.remote_gen, (uint32_t)j);
		}
		CHECK_EQ(p.io.app_len, 5);
		sodium_memzero(mk, sizeof(mk));
		end_free(&s);
		end_free(&p);
	}
	check_clean();
}

/* Every guarded region still live holds only zeros. */
static bool live_regions_wiped(void)
{
	int i;

	for (i = 0; i < MAX_LIVE; i++)
		if (guarded[i].p && !sodium_is_zero(guarded[i].p, guarded[i].n))
			return false;
	return true;
}

/*
 * tcpincd's pool: a released session's region is wiped and kept, the
 * next session gets it back instead of a new mapping, the cap holds,
 * and draining frees everything wiped.
 */
static void test_pool_reuses_wiped_regions(void)
{
	struct tcpinc_resume_state st;
	struct end a, b;
	int allocs;

	tcpinc_guarded_pool_set(3);
	pair_ready(&a, &b, 0x23);
	end_free(&a);
	end_free(&b);
	CHECK_EQ(tcpinc_guarded_pool_count(), 2u);
	CHECK_EQ(guarded_live, 2);
	CHECK(live_regions_wiped());

	allocs = guarded_allocs;
	pair_ready(&a, &b, 0x23);
	CHECK_EQ(guarded_allocs, allocs); /* both reused */
	CHECK_EQ(tcpinc_guarded_pool_count(), 0u);
	/* ss[i+1] is another size: a new region, pooled when cleared */
	CHECK_EQ(tcpinc_session_take_resume_state(a.s, &st), 0);
	CHECK_EQ(guarded_allocs, allocs + 1);
	tcpinc_resume_state_clear(&st);
	end_free(&a);
	end_free(&b);
	CHECK_EQ(tcpinc_guarded_pool_count(), 3u);
	CHECK(live_regions_wiped());

	/* a smaller cap frees the surplus (wiped, as the wrapper checks) */
	tcpinc_guarded_pool_set(1);
	CHECK_EQ(tcpinc_guarded_pool_count(), 1u);
	CHECK_EQ(guarded_live, 1);
	check_clean();
	tcpinc_guarded_pool_set(0);
}

int main(void)
{
	struct end a, b;
	size_t t;

	if (sodium_init() < 0)
		return 1;
	/* Warm-up: let OpenSSL make whatever it keeps for the process. */
	for (t = 0; t < sizeof(teps); t++) {
		pair_ready(&a, &b, teps[t]);
		end_free(&a);
		end_free(&b);
	}
	ctx_base = ctx_live;
	unwiped_frees = 0;

	TEST_RUN(test_fresh_keypair_per_session);
	TEST_RUN(test_secrets_lifecycle);
	TEST_RUN(test_secrets_wiped_on_error);
	TEST_RUN(test_rekey_keys_follow_schedule);
	TEST_RUN(test_pool_reuses_wiped_regions);
	/* The same scenarios with tcpincd's pool of released regions on. */
	tcpinc_guarded_pool_set(8);
	TEST_RUN(test_secrets_lifecycle);
	TEST_RUN(test_secrets_wiped_on_error);
	tcpinc_guarded_pool_set(0);
	return TEST_EXIT();
}
