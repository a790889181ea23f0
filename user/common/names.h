/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Stable names of reason codes and counters (used in show and stats output). */
#ifndef TCPINC_COMMON_NAMES_H
#define TCPINC_COMMON_NAMES_H

/* "negotiated", "syn_no_eno", "bad_tag", ...; "" for TCPINC_R_NONE. */
const char *tcpinc_reason_name(unsigned int reason);
/* Counter name for stats: "negotiated", "fallback_syn_no_eno", "abort_bad_tag", "conn_out", ... */
const char *tcpinc_counter_name(unsigned int counter);

#endif
