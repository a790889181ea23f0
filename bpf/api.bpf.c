// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The application API (include/tcpinc.h, draft-ietf-tcpinc-api-06 names):
 * cgroup/getsockopt on each attached service cgroup answers
 * getsockopt(IPPROTO_TCP, TCP_ENO_*) for intercepted connections from the
 * record tcpincd keeps for them (struct tcpinc_api). For any other socket or
 * option the kernel's own answer stands (ENOPROTOOPT for ours).
 *
 * Read-only options succeed only on an encrypted connection: ENOTCONN while
 * ENO negotiates, EINVAL once the connection is known to be plain. A
 * missing session ID is always an error, never an empty value.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "lib/intercept.h"

#define NOT_OURS 1000 /* answer(): leave the kernel's answer */
#define ENOTCONN 107
#define EINVAL 22

/* Keep in step with include/tcpinc.h. */
#define OPT_BASE 0x4500
#define OPT_ENO_ENABLED (OPT_BASE + 0)
#define OPT_ENO_SESSID (OPT_BASE + 1)
#define OPT_ENO_NEGTEP (OPT_BASE + 2)
#define OPT_ENO_SELF_GOPT (OPT_BASE + 4)
#define OPT_ENO_PEER_GOPT (OPT_BASE + 5)
#define OPT_ENO_ROLE (OPT_BASE + 8)
#define OPT_ENO_SELF_NAME (OPT_BASE + 9)
#define OPT_ENO_PEER_NAME (OPT_BASE + 10)
#define OPT_ENO_TRANSCRIPT (OPT_BASE + 11)
#define OPT_CRYPT_CONF (OPT_BASE + 16)

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* The API record of the intercepted connection `sk` belongs to, if any. */
static __always_inline struct tcpinc_api_info *find_api(struct bpf_sock *sk)
{
	struct tcpinc_rec r = {};

	if (!tcpinc_find_rec(sk, &r))
		return 0;
	return r.out ? &r.out->api : &r.in->api;
}

static __always_inline int put_int(struct bpf_sockopt *ctx, int v)
{
	int *p = ctx->optval;

	if ((void *)(p + 1) > ctx->optval_end || ctx->optlen < (int)sizeof(int))
		return -EINVAL;
	*p = v;
	return sizeof(int);
}

/*
 * Copy n bytes of src after an optional leading byte. Both return the
 * option length, or -errno.
 */
static __always_inline int put_bytes(struct bpf_sockopt *ctx, int lead,
				     const __u8 *src, __u32 n, __u32 max)
{
	__u8 *p = ctx->optval;
	__u32 total = n + (lead >= 0), i;

	if (n > max || ctx->optlen < (int)total)
		return -EINVAL;
	if (lead >= 0) {
		if ((void *)(p + 1) > ctx->optval_end)
			return -EINVAL;
		*p++ = lead;
	}
	for (i = 0; i < max && i < n; i++) {
		if ((void *)(p + i + 1) > ctx->optval_end)
			return -EINVAL;
		p[i] = src[i];
	}
	return total;
}

static __always_inline int answer(struct bpf_sockopt *ctx,
				  struct tcpinc_api_info *api)
{
	int opt = ctx->optname;

	switch (opt) {
	case OPT_ENO_ENABLED:
		return put_int(ctx, 1);
	case OPT_ENO_SELF_GOPT:
		return put_int(ctx, api->self_gopt);
	}
	if (api->state == TCPINC_API_NEGOTIATING)
		return -ENOTCONN;
	if (api->state != TCPINC_API_ENCRYPTED)
		return -EINVAL;
	switch (opt) {
	case OPT_ENO_SESSID:
		return put_bytes(ctx, -1, api->session_id,
				 sizeof(api->session_id),
				 sizeof(api->session_id));
	case OPT_ENO_NEGTEP:
		return put_int(ctx, api->tep);
	case OPT_ENO_PEER_GOPT:
		return put_int(ctx, api->peer_gopt);
	case OPT_ENO_ROLE:
		return put_int(ctx, api->role);
	case OPT_ENO_SELF_NAME:
		return put_bytes(ctx, api->role, api->session_id,
				 sizeof(api->session_id),
				 sizeof(api->session_id));
	case OPT_ENO_PEER_NAME:
		return put_bytes(ctx, !api->role, api->session_id,
				 sizeof(api->session_id),
				 sizeof(api->session_id));
	case OPT_ENO_TRANSCRIPT:
		return put_bytes(ctx, -1, api->transcript, api->transcript_len,
				 sizeof(api->transcript));
	case OPT_CRYPT_CONF:
		return put_int(ctx, api->aead);
	}
	return NOT_OURS;
}

/*
 * Both context fields written unconditionally, in a function of their own:
 * stores to different ctx fields on different branches get merged by clang
 * into a computed ctx offset, which the verifier rejects.
 */
static __noinline void set_result(struct bpf_sockopt *ctx, int optlen, int err)
{
	ctx->optlen = optlen;
	ctx->retval = err;
}

SEC("cgroup/getsockopt")
int tcpinc_getsockopt(struct bpf_sockopt *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	struct tcpinc_api_info *api;
	int r;

	if (ctx->level != IPPROTO_TCP || ctx->optname < OPT_BASE ||
	    ctx->optname > OPT_CRYPT_CONF || !sk || !tcpinc_in_our_netns(ctx))
		return 1;
	api = find_api(sk);
	if (!api)
		return 1;
	r = answer(ctx, api);
	if (r != NOT_OURS)
		set_result(ctx, r < 0 ? ctx->optlen : r, r < 0 ? r : 0);
	return 1;
}
