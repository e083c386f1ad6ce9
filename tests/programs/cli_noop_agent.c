/*
 * cli_noop_agent.c - a stand-in for libtriage.so that does nothing when
 * preloaded (TRIAGE_LIB points at it), so the tests of what `triage run`
 * itself does cannot be disturbed by the agent's own socket.
 */
int cli_noop_agent_loaded = 1;
