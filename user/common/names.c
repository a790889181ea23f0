// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <tcpinc/shared.h>

#include "common/names.h"

static const char *const reason_names[TCPINC_R_MAX] = {
	[TCPINC_R_NONE] = "",
	[TCPINC_R_NEGOTIATED] = "negotiated",
	[TCPINC_FB_SYN_NO_ENO] = "syn_no_eno",
	[TCPINC_FB_SYNACK_NO_ENO] = "synack_no_eno",
	[TCPINC_FB_ACK_NO_ENO] = "ack_no_eno",
	[TCPINC_FB_SYN_MALFORMED] = "syn_malformed",
	[TCPINC_FB_SYN_MULTIPLE] = "syn_multiple",
	[TCPINC_FB_NO_COMMON_TEP] = "no_common_tep",
	[TCPINC_FB_VACUOUS] = "vacuous",
	[TCPINC_FB_ROLE_CONFLICT] = "role_conflict",
	[TCPINC_FB_AA_MANDATORY] = "aa_mandatory",
	[TCPINC_FB_SYNCOOKIE] = "syncookie",
	[TCPINC_FB_NO_OPTION_SPACE] = "no_option_space",
	[TCPINC_FB_SYN_RETRIES] = "syn_retries",
	[TCPINC_FB_NO_DAEMON] = "no_daemon",
	[TCPINC_FB_PEER_CLOSED] = "peer_closed",
	[TCPINC_FB_RESUME_MISMATCH] = "resume_mismatch",
	[TCPINC_AB_BAD_TAG] = "bad_tag",
	[TCPINC_AB_BAD_INIT] = "bad_init",
	[TCPINC_AB_UNKNOWN_CIPHER] = "unknown_cipher",
	[TCPINC_AB_BAD_PUBKEY] = "bad_pubkey",
	[TCPINC_AB_FIN_WITHOUT_FINP] = "fin_without_finp",
	[TCPINC_AB_PEER_RESET] = "peer_reset",
	[TCPINC_AB_CONNECT_FAILED] = "connect_failed",
	[TCPINC_AB_APP_RESET] = "app_reset",
	[TCPINC_AB_INTERNAL] = "internal",
	[TCPINC_AB_ENO_MISMATCH] = "eno_mismatch",
	[TCPINC_AB_KEEPALIVE_TIMEOUT] = "keepalive_timeout",
	[TCPINC_AB_KTLS_SETUP] = "ktls_setup",
	[TCPINC_AB_KTLS_RECORD] = "ktls_record",
};

static const char *const counter_names[TCPINC_C_MAX - TCPINC_R_MAX] = {
	[TCPINC_C_CONN_OUT - TCPINC_R_MAX] = "conn_out",
	[TCPINC_C_CONN_IN - TCPINC_R_MAX] = "conn_in",
	[TCPINC_C_HANDSHAKES - TCPINC_R_MAX] = "handshakes",
	[TCPINC_C_REKEYS - TCPINC_R_MAX] = "rekeys",
	[TCPINC_C_BYTES_ENC_IN - TCPINC_R_MAX] = "bytes_enc_in",
	[TCPINC_C_BYTES_ENC_OUT - TCPINC_R_MAX] = "bytes_enc_out",
	[TCPINC_C_BYTES_PLAIN_IN - TCPINC_R_MAX] = "bytes_plain_in",
	[TCPINC_C_BYTES_PLAIN_OUT - TCPINC_R_MAX] = "bytes_plain_out",
	[TCPINC_C_ENO_SYN_SENT - TCPINC_R_MAX] = "eno_syn_sent",
	[TCPINC_C_ENO_SYNACK_SENT - TCPINC_R_MAX] = "eno_synack_sent",
	[TCPINC_C_BPF_ERRORS - TCPINC_R_MAX] = "bpf_errors",
	[TCPINC_C_ENO_TRIMMED - TCPINC_R_MAX] = "eno_trimmed",
	[TCPINC_C_ENO_LATE - TCPINC_R_MAX] = "eno_late",
	[TCPINC_C_RESUME_OFFERED - TCPINC_R_MAX] = "resume_offered",
	[TCPINC_C_RESUME_ACCEPTED - TCPINC_R_MAX] = "resume_accepted",
	[TCPINC_C_RESUMED - TCPINC_R_MAX] = "resumed",
	[TCPINC_C_RESUME_DECLINED - TCPINC_R_MAX] = "resume_declined",
	[TCPINC_C_PLAIN_BYPASS - TCPINC_R_MAX] = "plain_bypass",
	[TCPINC_C_KTLS - TCPINC_R_MAX] = "ktls_sessions",
};

/* "fallback_" / "abort_" + reason name, built once. */
static char prefixed[TCPINC_R_MAX][40];

const char *tcpinc_reason_name(unsigned int reason)
{
	if (reason >= TCPINC_R_MAX || !reason_names[reason])
		return "unknown";
	return reason_names[reason];
}

const char *tcpinc_counter_name(unsigned int counter)
{
	const char *prefix;
	char *p;
	const char *s;

	if (counter >= TCPINC_C_MAX)
		return "unknown";
	if (counter >= TCPINC_R_MAX)
		return counter_names[counter - TCPINC_R_MAX];
	if (counter < TCPINC_R_FIRST_FB)
		return reason_names[counter][0] ? reason_names[counter] : "none";
	prefix = counter < TCPINC_R_FIRST_AB ? "fallback_" : "abort_";
	p = prefixed[counter];
	if (!p[0]) {
		for (s = prefix; *s; s++)
			*p++ = *s;
		for (s = tcpinc_reason_name(counter); *s; s++)
			*p++ = *s;
		*p = '\0';
	}
	return prefixed[counter];
}
