/*
 * ca/service/hooks: test switches of the service, compiled only into test
 * builds (CC_TEST_HOOKS); in a release build every function here is an
 * empty inline.
 *
 * svc_kill_point(job, step): when the environment variable
 * CARECARD_CA_TEST_KILL_AT is "<job>:<step>", the process raises SIGKILL
 * there, so tests can prove a kill at that step leaves the registry and the
 * published files consistent. Steps: presign:signed (responses signed,
 * nothing stored), presign:stored (batch committed), crl:committed (CRL
 * number and audit entry committed, file not written), crl:written.
 */
#ifndef CC_SVC_HOOKS_H
#define CC_SVC_HOOKS_H

#ifdef CC_TEST_HOOKS
extern const char svc_test_hooks_marker[];
void svc_kill_point(const char *job, const char *step);
#else
static inline void
svc_kill_point(const char *job, const char *step)
{
	(void)job;
	(void)step;
}
#endif

#endif
