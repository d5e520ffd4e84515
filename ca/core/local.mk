# ca/core: the CA itself — context, HSM signer (the only code touching CA
# keys) and its OpenSSL provider, issuance, CSR checks, CRLs, audit chain.
ca_libcarecard_ca_la_SOURCES += \
	%D%/error.c %D%/error.h \
	%D%/signer.c %D%/signer-keys.c %D%/signer-lane.c %D%/signer.h %D%/signer-int.h \
	%D%/signer-unblock.c %D%/signer-unblock.h \
	%D%/hsm-provider.c %D%/hsm-provider.h \
	%D%/audit.c %D%/audit-verify.c %D%/audit.h \
	%D%/secret.c %D%/secret.h \
	%D%/ctx.c %D%/ctx.h %D%/hooks.h \
	%D%/policy.c %D%/policy.h \
	%D%/x509util.c %D%/x509util.h \
	%D%/hierarchy.c %D%/hierarchy.h \
	%D%/init.c %D%/init.h \
	%D%/validate.c %D%/validate.h \
	%D%/csr.c %D%/csr.h \
	%D%/issue.c %D%/issue-many.c %D%/issue.h %D%/issue-int.h %D%/pending.c \
	%D%/checkpoint.c %D%/checkpoint.h \
	%D%/backup.c %D%/backup.h \
	%D%/crl.c %D%/crl.h %D%/crl-encode.c %D%/crl-encode.h
# the OCSP responder's and the service's library half (carecard-ca serve)
ca_libcarecard_ca_la_SOURCES += \
	%D%/publish.c %D%/publish.h %D%/ocsp.c %D%/ocsp.h %D%/ocsp-job.c %D%/ocsp-job.h
# issuing-CA rollover (issue 14)
ca_libcarecard_ca_la_SOURCES += %D%/rollover.c %D%/rollover.h
