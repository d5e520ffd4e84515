#include <config.h>	/* autoconf; "config.h" would find pkcs11/config.h */

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "common/log.h"
#include "pkcs11/card-guard.h"
#include "pkcs11/session.h"
#include "pkcs11/slot.h"
#include "pkcs11/state.h"

/* Static so they exist before C_Initialize and survive C_Finalize. */
static pthread_mutex_t cc_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cc_cond = PTHREAD_COND_INITIALIZER;
static struct cc_state cc_st;
static pid_t cc_init_pid;	/* atomic: read before the lock to spot a fork child */

#define FIRST_SESSION_HANDLE	0x5e550001UL
#define FIRST_OBJECT_HANDLE	0x0b1e0001UL

/* Lock held. Frees everything the state owns; leaves it uninitialised. */
static void
state_release_locked(void)
{
	cc_session_destroy_all_locked(&cc_st);
	cc_slots_destroy_locked(&cc_st);
	cc_config_free(cc_st.conf);
	cc_card_guard_free(cc_st.guard);
	OSSL_LIB_CTX_free(cc_st.libctx);
	cc_st.conf = NULL;
	cc_st.guard = NULL;
	cc_st.libctx = NULL;
	cc_st.initialized = false;
	cc_st.epoch++;
	__atomic_store_n(&cc_init_pid, 0, __ATOMIC_RELEASE);
}

/*
 * Fork child (OpenSC does the equivalent): the parent's threads do not
 * exist here, so a lock they held at fork time would never be released.
 * Re-create the lock, then drop the inherited state, wiping card keys.
 */
static void
state_fork_reset(void)
{
	pthread_mutex_init(&cc_mutex, NULL);
	pthread_cond_init(&cc_cond, NULL);
	pthread_mutex_lock(&cc_mutex);
	if (cc_st.initialized) {
		cc_st.busy = 0;
		state_release_locked();
	}
	__atomic_store_n(&cc_init_pid, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&cc_mutex);
}

static void
check_fork(void)
{
	pid_t pid = __atomic_load_n(&cc_init_pid, __ATOMIC_ACQUIRE);

	if (pid != 0 && pid != getpid())
		state_fork_reset();
}

CK_RV
cc_lock_checked(void)
{
	check_fork();
	if (__atomic_load_n(&cc_init_pid, __ATOMIC_ACQUIRE) == 0)
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	pthread_mutex_lock(&cc_mutex);
	if (!cc_st.initialized) {
		pthread_mutex_unlock(&cc_mutex);
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	}
	return CKR_OK;
}

void
cc_unlock(void)
{
	pthread_mutex_unlock(&cc_mutex);
}

struct cc_state *
cc_state_get(void)
{
	return &cc_st;
}

CK_RV
cc_state_initialize(void)
{
	CK_RV rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
	size_t i;

	check_fork();
	pthread_mutex_lock(&cc_mutex);
	if (cc_st.initialized)
		goto out;
	util_log_set_ident("carecard-pkcs11");
	/*
	 * Config, then the policy it names (the passcode rules). A bad file
	 * of either is logged by its loader as FILE:LINE:COLUMN.
	 */
	if ((rv = cc_config_load(&cc_st.conf)) != CKR_OK) {
		rv = CKR_GENERAL_ERROR;
		goto out;
	}
	if ((rv = cc_card_guard_new(cc_st.conf->state_dir, &cc_st.guard)) != CKR_OK)
		goto out;
	rv = CKR_HOST_MEMORY;
	if ((cc_st.libctx = OSSL_LIB_CTX_new()) == NULL)
		goto out;
	cc_st.next_session = FIRST_SESSION_HANDLE;
	cc_st.next_object = FIRST_OBJECT_HANDLE;
	cc_st.next_instance = 1;
	if ((rv = cc_slots_create_locked(&cc_st)) != CKR_OK)
		goto out;
	/* Cards already inserted are the starting point, not slot events. */
	for (i = 0; i < cc_st.nslots; i++) {
		cc_slot_refresh_locked(&cc_st, &cc_st.slots[i]);
		cc_st.slots[i].event = false;
	}
	cc_st.initialized = true;
	cc_st.epoch++;
	__atomic_store_n(&cc_init_pid, getpid(), __ATOMIC_RELEASE);
	util_log(LOG_INFO, "initialized: %zu reader(s) from %s, passcode rules from %s",
		 cc_st.nslots, cc_st.conf->source, cc_st.conf->policy_source);
	rv = CKR_OK;
out:
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		cc_slots_destroy_locked(&cc_st);
		cc_config_free(cc_st.conf);
		cc_card_guard_free(cc_st.guard);
		OSSL_LIB_CTX_free(cc_st.libctx);
		cc_st.conf = NULL;
		cc_st.guard = NULL;
		cc_st.libctx = NULL;
	}
	pthread_mutex_unlock(&cc_mutex);
	return rv;
}

CK_RV
cc_state_finalize(void)
{
	CK_RV rv;

	if ((rv = cc_lock_checked()) != CKR_OK)
		return rv;
	/* New calls fail from here on; a blocked C_WaitForSlotEvent wakes up. */
	cc_st.initialized = false;
	cc_st.epoch++;
	pthread_cond_broadcast(&cc_cond);
	while (cc_st.busy > 0)
		pthread_cond_wait(&cc_cond, &cc_mutex);
	cc_st.initialized = true;	/* so release sees a whole state */
	state_release_locked();
	pthread_cond_broadcast(&cc_cond);
	pthread_mutex_unlock(&cc_mutex);
	return CKR_OK;
}

void
cc_state_wait_locked(unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&cc_cond, &cc_mutex, &ts);
}

void
cc_state_wake_locked(void)
{
	pthread_cond_broadcast(&cc_cond);
}

void
cc_state_unlock_busy(void)
{
	cc_st.busy++;
	pthread_mutex_unlock(&cc_mutex);
}

void
cc_state_relock_busy(void)
{
	pthread_mutex_lock(&cc_mutex);
	if (--cc_st.busy == 0)
		pthread_cond_broadcast(&cc_cond);
}

CK_OBJECT_HANDLE
cc_state_object_handle_locked(void)
{
	return cc_st.next_object++;
}
